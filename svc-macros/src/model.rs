//! The input of `#[service]` / `#[multi_service]` parsed into a small model, with every misuse collected as a
//! `syn::Error` at the user's span.
//!
//! Parsing recovers from errors where it can (a bad key is dropped, a bad name falls back to the default one) so
//! that the generated code still compiles and the user sees only the errors that matter, all at once.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Field, Fields, Generics, Ident, Item, Lit, LitStr, Meta, Path, Token, Visibility};

use crate::attrs::{CONTAINER_KEYS, Kind, OPTION_KEYS, PROVIDED_DERIVES};
use crate::derive_above::DeriveAbove;
use crate::names;

/// A service struct, ready for code generation.
pub struct Container {
    /// Single or multi.
    pub kind: Kind,
    /// The user's attributes that stay on the struct (docs, `#[derive(Debug, Clone)]`, `#[serde(...)]`, ...),
    /// without the derives the macro provides.
    pub attrs: Vec<Attribute>,
    /// The struct's visibility.
    pub vis: Visibility,
    /// The struct's name.
    pub ident: Ident,
    /// The struct's generics.
    pub generics: Generics,
    /// The service name (`redis-cluster`).
    pub name: String,
    /// The struct's doc comment, as an expression of type `&'static str` (`None` when undocumented).
    pub description: Option<TokenStream>,
    /// The user's fields (the options), in order.
    pub fields: Vec<OptionField>,
    /// Which of the provided traits were derived above the attribute: their impls are left out so that rustc
    /// reports one problem (the derive above) instead of conflicting impls.
    pub derived_above: Vec<&'static str>,
}

/// One option: a user field and its `#[option(...)]` settings.
pub struct OptionField {
    /// The field without its `#[option]` attributes.
    pub field: Field,
    /// `#[option(default = EXPR)]`.
    pub default: Option<Expr>,
    /// `#[option(description = "...")]`: the schema description, overriding the doc comment there.
    pub description: Option<LitStr>,
}

/// The result of parsing: a container when the input is a struct with named fields, and every error found.
pub struct Parsed {
    /// The model, when the input has the right shape (even if some details were wrong).
    pub container: Option<Container>,
    /// The item to emit unchanged (minus `#[option]` attributes) when there is no container.
    pub passthrough: TokenStream,
    /// All errors, combined.
    pub errors: Option<syn::Error>,
}

/// Collects errors so that several are reported at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
}

/// Parses the attribute arguments and the item.
pub fn parse(kind: Kind, args: TokenStream, input: TokenStream, derives_above: &[DeriveAbove]) -> Parsed {
    let mut errors = Errors::default();
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(item) => item,
        Err(e) => return Parsed { container: None, passthrough: input, errors: Some(e) },
    };
    let requested_name = parse_args(kind, args, &mut errors);
    for above in derives_above {
        errors.push(syn::Error::new(Span::call_site(), above.message(kind)));
    }

    let mut item = match item {
        Item::Struct(s) if matches!(s.fields, Fields::Named(_)) => s,
        mut other => {
            let what = match &other {
                Item::Struct(s) if matches!(s.fields, Fields::Unit) => "a unit struct",
                Item::Struct(_) => "a tuple struct",
                Item::Enum(_) => "an enum",
                Item::Union(_) => "a union",
                Item::Fn(_) => "a function",
                Item::Type(_) => "a type alias",
                Item::Trait(_) => "a trait",
                Item::Impl(_) => "an impl block",
                Item::Mod(_) => "a module",
                _ => "this item",
            };
            errors.push(syn::Error::new_spanned(
                item_head(&other),
                format!(
                    "{} goes on a struct with named fields (one field per option), not on {what}; \
                     for example `struct Hello {{ message: String }}`",
                    kind.attr()
                ),
            ));
            strip_option_attrs(&mut other);
            return Parsed { container: None, passthrough: other.into_token_stream(), errors: errors.0 };
        }
    };

    let name = match requested_name {
        Some(name) => name,
        None => names::kebab_case(&item.ident.unraw().to_string()),
    };
    let derived_above = derives_above.iter().flat_map(|d| d.provided()).collect();
    let attrs = container_attrs(kind, std::mem::take(&mut item.attrs), &mut errors);
    let description = doc_expr(&attrs);
    let Fields::Named(named) = item.fields else { unreachable!("checked above: named fields") };
    let mut fields = Vec::new();
    for field in named.named {
        if let Some(field) = option_field(kind, field, &mut errors) {
            fields.push(field);
        }
    }
    let container = Container {
        kind,
        attrs,
        vis: item.vis,
        ident: item.ident,
        generics: item.generics,
        name,
        description,
        fields,
        derived_above,
    };
    Parsed { container: Some(container), passthrough: TokenStream::new(), errors: errors.0 }
}

/// `#[service(name = "...")]`: returns the valid requested name, if any.
fn parse_args(kind: Kind, args: TokenStream, errors: &mut Errors) -> Option<String> {
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let mut name = None;
    let mut seen_name = false;
    for meta in metas {
        let key = path_name(meta.path());
        if key != "name" {
            errors.push(syn::Error::new_spanned(
                meta.path(),
                format!("unknown key `{key}` in {}; {}", kind.attr(), names::suggestion(&key, CONTAINER_KEYS)),
            ));
            continue;
        }
        if std::mem::replace(&mut seen_name, true) {
            errors.push(syn::Error::new_spanned(meta.path(), "`name` is given twice; keep one"));
            continue;
        }
        let literal = match &meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(literal) = literal else {
            errors.push(syn::Error::new_spanned(
                &meta,
                "expected `name = \"...\"` with the service name as a string literal, for example `name = \"redis-cluster\"`",
            ));
            continue;
        };
        match names::name_problem(&literal.value()) {
            Some(problem) => errors.push(syn::Error::new_spanned(&literal, problem)),
            None => name = Some(literal.value()),
        }
    }
    name
}

/// The user's struct attributes, checked: derives of the traits the macro provides are removed (with an error
/// each), stray `#[option]` and a second service attribute are errors.
fn container_attrs(kind: Kind, attrs: Vec<Attribute>, errors: &mut Errors) -> Vec<Attribute> {
    let mut kept = Vec::with_capacity(attrs.len());
    for mut attr in attrs {
        let last = attr.path().segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if attr.path().is_ident("option") {
            errors
                .push(syn::Error::new_spanned(&attr, "#[option(...)] goes on a field (one option), not on the struct"));
            continue;
        }
        if last == "service" || last == "multi_service" {
            errors.push(syn::Error::new_spanned(
                &attr,
                format!("this struct already has {}; keep only one of #[service] and #[multi_service]", kind.attr()),
            ));
            continue;
        }
        if attr.path().is_ident("derive") {
            match derive_without_provided(kind, &attr, errors) {
                Some(paths) if paths.is_empty() => continue,
                Some(paths) => {
                    if let Meta::List(list) = &mut attr.meta {
                        list.tokens = paths.to_token_stream();
                    }
                }
                None => {}
            }
        }
        kept.push(attr);
    }
    kept
}

/// The paths of a `#[derive(...)]` minus the traits the macro provides (an error for each of those), or `None`
/// if the derive could not be parsed (then it is kept as it is and rustc reports it).
fn derive_without_provided(kind: Kind, attr: &Attribute, errors: &mut Errors) -> Option<Punctuated<Path, Token![,]>> {
    let paths = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated).ok()?;
    let mut kept = Punctuated::new();
    for path in paths {
        let last = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        match PROVIDED_DERIVES.iter().find(|(name, _)| *name == last) {
            Some((name, why)) => errors.push(syn::Error::new_spanned(
                &path,
                format!("{} already {why}; remove `{name}` from this derive", kind.attr()),
            )),
            None => kept.push(path),
        }
    }
    Some(kept)
}

/// One field: its `#[option(...)]` parsed, reserved names rejected (`None`: the field is dropped, the macro's own
/// field of that name takes its place).
fn option_field(kind: Kind, mut field: Field, errors: &mut Errors) -> Option<OptionField> {
    let mut default = None;
    let mut description = None;
    let mut attrs = Vec::with_capacity(field.attrs.len());
    for attr in std::mem::take(&mut field.attrs) {
        if !attr.path().is_ident("option") {
            attrs.push(attr);
            continue;
        }
        let metas = match &attr.meta {
            Meta::List(list) => match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                Ok(metas) => metas,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
            _ => {
                errors.push(syn::Error::new_spanned(
                    &attr,
                    "expected `#[option(default = <expression>)]` or `#[option(description = \"...\")]`",
                ));
                continue;
            }
        };
        for meta in metas {
            let key = path_name(meta.path());
            match key.as_str() {
                "default" => match meta {
                    Meta::NameValue(nv) if default.is_none() => default = Some(nv.value),
                    Meta::NameValue(nv) => {
                        errors.push(syn::Error::new_spanned(nv.path, "`default` is given twice; keep one"))
                    }
                    other => errors.push(syn::Error::new_spanned(
                        other,
                        "expected `default = <expression>`, for example `default = \"Hello, world!\"`",
                    )),
                },
                "description" => match &meta {
                    Meta::NameValue(syn::MetaNameValue {
                        value: Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }),
                        ..
                    }) if description.is_none() => description = Some(s.clone()),
                    Meta::NameValue(nv) if description.is_some() => {
                        errors.push(syn::Error::new_spanned(&nv.path, "`description` is given twice; keep one"))
                    }
                    other => errors
                        .push(syn::Error::new_spanned(other, "expected `description = \"...\"` with a string literal")),
                },
                _ => errors.push(syn::Error::new_spanned(
                    meta.path(),
                    format!("unknown key `{key}` in #[option(...)]; {}", names::suggestion(&key, OPTION_KEYS)),
                )),
            }
        }
    }
    field.attrs = attrs;
    let ident = field.ident.as_ref().map(|i| i.unraw().to_string()).unwrap_or_default();
    if let Some((name, what)) = kind.reserved_fields().iter().find(|(name, _)| *name == ident) {
        errors.push(syn::Error::new_spanned(
            field.ident.as_ref(),
            format!("`{name}` is added by {} ({what}); remove this field", kind.attr()),
        ));
        return None;
    }
    Some(OptionField { field, default, description })
}

/// `struct Foo` / `enum Foo` / ...: the part of an item an error about its kind points at.
fn item_head(item: &Item) -> TokenStream {
    match item {
        Item::Struct(s) => head(&s.struct_token, &s.ident),
        Item::Enum(e) => head(&e.enum_token, &e.ident),
        Item::Union(u) => head(&u.union_token, &u.ident),
        Item::Fn(f) => head(&f.sig.fn_token, &f.sig.ident),
        Item::Trait(t) => head(&t.trait_token, &t.ident),
        Item::Type(t) => head(&t.type_token, &t.ident),
        other => {
            let span = other.span();
            quote::quote_spanned!(span=> item)
        }
    }
}

fn head(keyword: &impl ToTokens, ident: &Ident) -> TokenStream {
    quote::quote!(#keyword #ident)
}

/// Removes `#[option]` from the fields of a struct, enum variant or union that is emitted unchanged, so that
/// rustc reports only the real problem and not also "cannot find attribute `option`".
fn strip_option_attrs(item: &mut Item) {
    let strip = |fields: &mut Fields| {
        for field in fields.iter_mut() {
            field.attrs.retain(|a| !a.path().is_ident("option"));
        }
    };
    match item {
        Item::Struct(s) => strip(&mut s.fields),
        Item::Enum(e) => e.variants.iter_mut().for_each(|v| strip(&mut v.fields)),
        Item::Union(u) => u.fields.named.iter_mut().for_each(|f| f.attrs.retain(|a| !a.path().is_ident("option"))),
        _ => {}
    }
}

/// The doc comment as a `&'static str` expression, trimmed like rustdoc renders it (one leading space per line
/// dropped, surrounding blank lines removed). `#[doc = include_str!(...)]` and other non-literal docs are kept
/// as expressions through `concat!`.
pub fn doc_expr(attrs: &[Attribute]) -> Option<TokenStream> {
    let mut lines = Vec::new();
    let mut literal = true;
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let Meta::NameValue(nv) = &attr.meta else { continue };
        match &nv.value {
            Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => lines.push(DocLine::Text(s.value())),
            other => {
                literal = false;
                lines.push(DocLine::Expr(other.clone()));
            }
        }
    }
    if lines.is_empty() {
        return None;
    }
    if literal {
        let text: Vec<String> = lines
            .into_iter()
            .map(|l| match l {
                DocLine::Text(t) => t.strip_prefix(' ').unwrap_or(&t).trim_end().to_owned(),
                DocLine::Expr(_) => unreachable!("all lines are literal"),
            })
            .collect();
        let text = text.join("\n").trim().to_owned();
        return if text.is_empty() { None } else { Some(text.into_token_stream()) };
    }
    let parts = lines.into_iter().map(|l| match l {
        DocLine::Text(t) => t.strip_prefix(' ').unwrap_or(&t).to_owned().into_token_stream(),
        DocLine::Expr(e) => e.into_token_stream(),
    });
    Some(quote::quote!(::core::concat!(#(#parts),*)))
}

enum DocLine {
    Text(String),
    Expr(Expr),
}

/// A path as the user wrote it, for messages (`name`, `serde::name`).
fn path_name(path: &Path) -> String {
    path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn parse_ok(kind: Kind, args: TokenStream, input: TokenStream) -> Container {
        let parsed = parse(kind, args, input, &[]);
        assert!(parsed.errors.is_none(), "unexpected errors: {:?}", parsed.errors.map(|e| e.to_string()));
        parsed.container.expect("a container")
    }

    #[test]
    fn model_of_a_service_struct() {
        let container = parse_ok(
            Kind::Single,
            quote!(),
            quote! {
                /// Prints a greeting.
                ///
                ///   Indented.
                #[derive(Debug)]
                pub struct RedisCluster {
                    /// The message.
                    #[option(default = "hi", description = "Shown in the schema.")]
                    #[serde(rename = "msg")]
                    pub message: String,
                    pub port: u16,
                }
            },
        );
        assert_eq!(container.name, "redis-cluster");
        assert_eq!(container.description.unwrap().to_string(), quote!("Prints a greeting.\n\n  Indented.").to_string());
        assert_eq!(container.fields.len(), 2);
        let message = &container.fields[0];
        assert_eq!(message.default.to_token_stream().to_string(), "\"hi\"");
        assert_eq!(message.description.as_ref().unwrap().value(), "Shown in the schema.");
        let kept: Vec<String> = message.field.attrs.iter().map(|a| a.path().get_ident().unwrap().to_string()).collect();
        assert_eq!(kept, ["doc", "serde"], "#[option] is removed, the other attributes stay");
        assert!(container.fields[1].default.is_none());
        assert_eq!(container.attrs.len(), 4, "three doc lines and the derive");
    }

    #[test]
    fn a_given_name_replaces_the_default_one() {
        let container = parse_ok(
            Kind::Multi,
            quote!(name = "kv"),
            quote!(
                struct KeyValue {}
            ),
        );
        assert_eq!(container.name, "kv");
    }

    #[test]
    fn non_literal_docs_are_concatenated() {
        let attrs: Vec<Attribute> = syn::parse_quote! {
            /// Line one.
            #[doc = include_str!("x.md")]
        };
        let expr = doc_expr(&attrs).unwrap().to_string();
        assert!(expr.starts_with(":: core :: concat !"), "{expr}");
        assert!(expr.contains("\"Line one.\"") && expr.contains("include_str !"), "{expr}");
    }

    #[test]
    fn provided_derives_are_removed_and_reported_and_others_kept() {
        let parsed = parse(
            Kind::Single,
            quote!(),
            quote! {
                #[derive(Clone, Default, serde::Serialize)]
                struct S {}
            },
            &[],
        );
        let errors: Vec<String> = parsed.errors.unwrap().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 2);
        assert!(errors[0].contains("remove `Default`"), "{errors:?}");
        assert!(errors[1].contains("remove `Serialize`"), "{errors:?}");
        let container = parsed.container.unwrap();
        assert_eq!(container.attrs[0].meta.to_token_stream().to_string(), "derive (Clone)");
    }

    #[test]
    fn wrong_shapes_pass_the_item_through_without_option_attributes() {
        let parsed = parse(
            Kind::Single,
            quote!(),
            quote!(
                enum E {
                    A {
                        #[option(default = 1)]
                        x: u8,
                    },
                }
            ),
            &[],
        );
        assert!(parsed.container.is_none());
        assert!(parsed.errors.unwrap().to_string().contains("not on an enum"));
        let passthrough: Item = syn::parse2(parsed.passthrough).unwrap();
        let expected: Item = syn::parse_str("enum E { A { x: u8, }, }").unwrap();
        assert_eq!(passthrough, expected, "the same enum, without #[option]");
    }
}
