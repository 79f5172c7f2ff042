//! The generated invariant suite of the bulk jobs (`tests/invariants`),
//! against this backend: the same worlds, through the same hostile proxy,
//! with the server's own answers. Fixed seeds and a fresh one each run.

#[path = "../invariants/proxy.rs"]
mod proxy;
#[path = "../invariants/world.rs"]
mod world;

use std::time::Duration;

use proxy::Proxy;
use world::{ImportWorld, export_with_writers, seeds};

use crate::backend::{backends, client_for, run};

/// How long before an import the identities it will find stored are
/// created (see `tests/invariants/main.rs`).
const STORED_AGE: Duration = Duration::from_millis(2100);

#[test]
fn import_worlds_keep_their_invariants() {
    for b in backends() {
        let upstream = b.admin.base_url();
        if !upstream.starts_with("http://") {
            eprintln!("{b:?}: the proxy speaks plain HTTP only; skipped");
            continue;
        }
        let worlds: Vec<ImportWorld> = seeds(&[21, 22])
            .into_iter()
            .map(|seed| ImportWorld::generate(seed, 200, run().domain()))
            .collect();
        for world in &worlds {
            world
                .store(&b.admin)
                .unwrap_or_else(|e| panic!("{b:?}: {e}"));
        }
        std::thread::sleep(STORED_AGE);
        let mut broken = None;
        for world in &worlds {
            let proxy = Proxy::start(&upstream, world.policy());
            let report = client_for(proxy.url())
                .import_identities(world.inputs.iter().map(|(_, body)| body.clone()))
                .chunk_size(world.chunk_size)
                .send();
            let lost = proxy.lost.load(std::sync::atomic::Ordering::SeqCst);
            let requests = proxy.requests.load(std::sync::atomic::Ordering::SeqCst);
            match world.check(&report, &b.admin) {
                Ok(line) => eprintln!("{b:?}: {line}; {requests} requests, {lost} answers lost"),
                Err(e) => broken = broken.or(Some(e)),
            }
        }
        for world in &worlds {
            world.clean_up(&b.admin);
        }
        if let Some(broken) = broken {
            panic!("{b:?}: {broken}");
        }
    }
}

#[test]
fn export_worlds_hand_out_each_identity_once() {
    for b in backends() {
        let upstream = b.admin.base_url();
        if !upstream.starts_with("http://") {
            eprintln!("{b:?}: the proxy speaks plain HTTP only; skipped");
            continue;
        }
        for seed in seeds(&[31]) {
            let proxy = Proxy::start(&upstream, Box::new(|_, _, _| proxy::Action::Forward));
            match export_with_writers(&client_for(proxy.url()), seed, run().domain(), 100) {
                Ok(line) => eprintln!("{b:?}: {line}"),
                Err(broken) => panic!("{b:?}: {broken}"),
            }
        }
    }
}
