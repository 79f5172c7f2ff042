//! Paging: the pure `Link` header parser, one [`Page`](page::Page) of a list
//! operation, the paging setters every list operation shares, the walk from
//! page to page and its lazy iterators ([`Pages`](walk::Pages),
//! [`Items`](items::Items)), where pages are fetched (here or on the
//! prefetch thread), and where a walk stands ([`ListPosition`](position::ListPosition)).

pub(crate) mod items;
pub(crate) mod link;
pub(crate) mod offset_pages;
pub(crate) mod page;
pub(crate) mod paginated;
pub(crate) mod position;
pub(crate) mod prefetch;
pub(crate) mod walk;
