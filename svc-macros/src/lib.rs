//! `#[service]` and `#[multi_service]` (being written: these pass the item through for now).
use proc_macro::TokenStream;

/// Declares a single-instance service.
#[proc_macro_attribute]
pub fn service(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Declares a multi-instance service.
#[proc_macro_attribute]
pub fn multi_service(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
