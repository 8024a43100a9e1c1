//! Code generation from the model: the transformed struct, `Default`, `ServiceMeta`, and for a multi-instance
//! service the `<Name>Instances` alias.
//!
//! Every path goes through `::svc` (the facade) so that a user crate needs no other dependency.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, GenericParam, Lit, UnOp};

use crate::attrs::Kind;
use crate::model::{Container, OptionField, Parsed};

/// The output for parsed input: the generated code (or the item unchanged when it has the wrong shape) followed
/// by every error.
pub fn expand(parsed: Parsed) -> TokenStream {
    let errors = parsed.errors.map(|e| e.to_compile_error());
    match parsed.container {
        Some(container) => {
            let code = generate(&container);
            quote!(#code #errors)
        }
        None => {
            let item = parsed.passthrough;
            quote!(#item #errors)
        }
    }
}

fn generate(c: &Container) -> TokenStream {
    let strukt = struct_item(c);
    let default = if c.derived_above.contains(&"Default") { TokenStream::new() } else { default_impl(c) };
    let meta = meta_impl(c);
    let alias = match c.kind {
        Kind::Multi => instances_alias(c),
        Kind::Single => TokenStream::new(),
    };
    quote! {
        #strukt
        #default
        #meta
        #alias
    }
}

/// The struct with the macro's fields first, the user's fields without `#[option]`, and the derives.
fn struct_item(c: &Container) -> TokenStream {
    let Container { attrs, vis, ident, generics, name, .. } = c;
    let where_clause = &generics.where_clause;

    let provided = [
        ("Serialize", quote!(::svc::__private::serde::Serialize)),
        ("Deserialize", quote!(::svc::__private::serde::Deserialize)),
        ("JsonSchema", quote!(::svc::__private::schemars::JsonSchema)),
    ];
    let derives: Vec<&TokenStream> =
        provided.iter().filter(|(name, _)| !c.derived_above.contains(name)).map(|(_, path)| path).collect();
    let derive_attrs = if derives.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            #[derive(#(#derives),*)]
            #[serde(crate = "::svc::__private::serde")]
            #[serde(default, deny_unknown_fields)]
            #[schemars(crate = "::svc::__private::schemars")]
        }
    };

    let added = added_fields(c.kind, name);
    let fields = c.fields.iter().map(user_field);
    quote! {
        #derive_attrs
        #(#attrs)*
        #vis struct #ident #generics #where_clause {
            #added
            #(#fields,)*
        }
    }
}

/// `enable`, and for a multi-instance service `data_dir` and `namespace`, documented (the docs become the
/// schema descriptions).
fn added_fields(kind: Kind, name: &str) -> TokenStream {
    match kind {
        Kind::Single => {
            let enable = format!("Whether to enable the {name} service.");
            quote! {
                #[doc = #enable]
                pub enable: bool,
            }
        }
        Kind::Multi => {
            let enable = format!("Whether to enable this instance of the {name} service.");
            let data_dir = "Where this instance keeps its data. Default: `./data/<instance>`.";
            let namespace = format!("The namespace of this instance's processes. Default: `{name}.<instance>`.");
            quote! {
                #[doc = #enable]
                pub enable: bool,
                #[doc = #data_dir]
                pub data_dir: ::core::option::Option<::std::path::PathBuf>,
                #[doc = #namespace]
                pub namespace: ::core::option::Option<::std::string::String>,
            }
        }
    }
}

/// A user field as written, plus `#[schemars(description = ...)]` from `#[option(description = ...)]`.
fn user_field(option: &OptionField) -> TokenStream {
    let field = &option.field;
    match &option.description {
        Some(description) => quote!(#[schemars(description = #description)] #field),
        None => quote!(#field),
    }
}

/// `impl Default`: `enable: false`, each option its `#[option(default = ...)]` or `Default::default()`.
fn default_impl(c: &Container) -> TokenStream {
    let ident = &c.ident;
    // Like a derive, but bounding the field types rather than the parameters: `T: Default` only when a field
    // of type `T` takes `Default::default()`.
    let mut generics = c.generics.clone();
    if !generics.params.is_empty() {
        let predicates = &mut generics.make_where_clause().predicates;
        for option in c.fields.iter().filter(|o| o.default.is_none()) {
            let ty = &option.field.ty;
            predicates.push(syn::parse_quote!(#ty: ::core::default::Default));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let added = match c.kind {
        Kind::Single => quote!(enable: false,),
        Kind::Multi => quote! {
            enable: false,
            data_dir: ::core::option::Option::None,
            namespace: ::core::option::Option::None,
        },
    };
    let fields = c.fields.iter().map(|option| {
        let field = &option.field;
        let name = &field.ident;
        let ty = &field.ty;
        let value = match &option.default {
            // A numeric literal is used as it is: through `Into` its type would be ambiguous (`8080` could be
            // any integer type converting into `u16`) and fall back to `i32`.
            Some(expr) if is_numeric_literal(expr) => quote!(#expr),
            // Spanned at the user's expression so that a default of the wrong type is reported there.
            Some(expr) => quote_spanned!(expr.span()=> ::core::convert::Into::<#ty>::into(#expr)),
            None => quote_spanned!(ty.span()=> ::core::default::Default::default()),
        };
        quote!(#name: #value)
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::default::Default for #ident #ty_generics #where_clause {
            fn default() -> Self {
                Self {
                    #added
                    #(#fields,)*
                }
            }
        }
    }
}

/// `8080`, `-1`, `0.5`.
fn is_numeric_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => matches!(lit.lit, Lit::Int(_) | Lit::Float(_)),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => is_numeric_literal(&unary.expr),
        Expr::Paren(paren) => is_numeric_literal(&paren.expr),
        Expr::Group(group) => is_numeric_literal(&group.expr),
        _ => false,
    }
}

/// `impl ServiceMeta`.
fn meta_impl(c: &Container) -> TokenStream {
    let Container { ident, name, .. } = c;
    // A generic struct is a service only for the parameters that make it one: state the supertraits as bounds
    // instead of requiring them of every instantiation.
    let mut generics = c.generics.clone();
    if !generics.params.is_empty() {
        generics.make_where_clause().predicates.push(syn::parse_quote! {
            Self: ::core::default::Default
                + ::svc::__private::serde::Serialize
                + ::svc::__private::serde::de::DeserializeOwned
                + ::svc::__private::schemars::JsonSchema
                + ::core::marker::Send
                + ::core::marker::Sync
                + 'static
        });
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let description = match &c.description {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    };
    let multi = match c.kind {
        Kind::Single => TokenStream::new(),
        Kind::Multi => quote! {
            fn data_dir(&self) -> ::core::option::Option<&::std::path::Path> {
                ::core::option::Option::as_deref(&self.data_dir)
            }
            fn namespace(&self) -> ::core::option::Option<&str> {
                ::core::option::Option::as_deref(&self.namespace)
            }
        },
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::svc::__private::svc_core::ServiceMeta for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;
            const DESCRIPTION: ::core::option::Option<&'static str> = #description;
            fn enabled(&self) -> bool {
                self.enable
            }
            fn set_enabled(&mut self, enabled: bool) {
                self.enable = enabled;
            }
            #multi
        }
    }
}

/// `pub type HelloInstances = Instances<Hello>;`: the fan-out of a multi-instance service.
fn instances_alias(c: &Container) -> TokenStream {
    let Container { vis, ident, generics, name, .. } = c;
    let alias = format_ident!("{}Instances", ident);
    let doc = format!(
        "The instances of the `{name}` service by instance name: [`Instances`](::svc::Instances)`<{ident}>`, \
         a map from instance name to options (generated by `#[multi_service]`)."
    );
    // Type aliases do not enforce bounds (rustc warns about them), so only the parameters are repeated.
    let params: Vec<TokenStream> = generics
        .params
        .iter()
        .map(|param| match param {
            GenericParam::Lifetime(l) => {
                let lifetime = &l.lifetime;
                quote!(#lifetime)
            }
            GenericParam::Type(t) => {
                let ident = &t.ident;
                quote!(#ident)
            }
            GenericParam::Const(k) => {
                let (ident, ty) = (&k.ident, &k.ty);
                quote!(const #ident: #ty)
            }
        })
        .collect();
    let params = if params.is_empty() { TokenStream::new() } else { quote!(<#(#params),*>) };
    let (_, ty_generics, _) = generics.split_for_impl();
    quote! {
        #[doc = #doc]
        #vis type #alias #params = ::svc::__private::svc_core::Instances<#ident #ty_generics>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_literals_are_used_as_they_are() {
        for expr in ["8080", "-1", "0.5", "(3)", "11434u16"] {
            assert!(is_numeric_literal(&syn::parse_str(expr).unwrap()), "{expr}");
        }
        for expr in ["\"8080\"", "true", "Package::new(\"x\")", "-x", "!0"] {
            assert!(!is_numeric_literal(&syn::parse_str(expr).unwrap()), "{expr}");
        }
    }
}
