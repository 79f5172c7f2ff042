//! Paging: the pure `Link` header parser, one [`Page`](page::Page) of a list
//! operation, the paging setters every list operation shares, and the lazy
//! [`Pages`](iter::Pages)/[`Items`](iter::Items) iterators.

pub(crate) mod iter;
pub(crate) mod link;
pub(crate) mod offset_pages;
pub(crate) mod page;
pub(crate) mod paginated;
