//! The generated invariant suite of the bulk jobs, against the fake (as
//! v26.2.0 and as master), through a hostile proxy: imports of generated
//! dirty data, and exports killed and resumed while writers change the
//! server. Fixed seeds and a fresh one each run; every failure prints the
//! world and its seed. The live suite runs the same worlds against real
//! servers (`tests/live/invariants.rs`).

mod proxy;
mod world;

use kratos_identity::IdentityClient;
use kratos_identity_fake::{FakeKratos, KratosVersion};

use proxy::Proxy;
use world::{ImportWorld, export_with_writers, seeds};

const DOMAIN: &str = "invariants.kratos-identity.test";

fn fakes() -> [FakeKratos; 2] {
    [KratosVersion::V26_2, KratosVersion::Master]
        .map(|version| FakeKratos::builder().version(version).start())
}

/// How long before an import the identities it will find stored are
/// created: the import tells an identity created before its request from
/// one its request created by the server's `Date` (whole seconds, with a
/// second's margin), so what another writer created in the last two
/// seconds counts as the import's own. Real user bases are older.
const STORED_AGE: std::time::Duration = std::time::Duration::from_millis(2100);

#[test]
fn every_import_world_keeps_its_invariants() {
    let mut cases = 0;
    for kratos in fakes() {
        let direct = kratos.client();
        let worlds: Vec<ImportWorld> = seeds(&[1, 2, 3, 4, 5, 6, 7, 8])
            .into_iter()
            .map(|seed| ImportWorld::generate(seed, 300, DOMAIN))
            .collect();
        for world in &worlds {
            world.store(&direct).unwrap_or_else(|e| panic!("{e}"));
        }
        std::thread::sleep(STORED_AGE);
        for world in &worlds {
            let proxy = Proxy::start(&kratos.base_url(), world.policy());
            let client = IdentityClient::builder(proxy.url())
                .max_retries(0)
                .build()
                .expect("a client for the proxy");
            let report = client
                .import_identities(world.inputs.iter().map(|(_, body)| body.clone()))
                .chunk_size(world.chunk_size)
                .send();
            let lost = proxy.lost.load(std::sync::atomic::Ordering::SeqCst);
            let requests = proxy.requests.load(std::sync::atomic::Ordering::SeqCst);
            match world.check(&report, &direct) {
                Ok(line) => eprintln!(
                    "fake {:?}: {line}; {requests} requests, {lost} answers lost",
                    kratos.version()
                ),
                Err(broken) => panic!("fake {:?}: {broken}", kratos.version()),
            }
            world.clean_up(&direct);
            cases += 1;
        }
    }
    eprintln!("{cases} import worlds");
}

#[test]
fn every_export_world_hands_out_each_identity_once() {
    for seed in seeds(&[11, 12, 13]) {
        let kratos = FakeKratos::builder().identities(200).seed(seed).start();
        let proxy = Proxy::start(
            &kratos.base_url(),
            Box::new(|_, _, _| proxy::Action::Forward),
        );
        let client = IdentityClient::new(proxy.url()).expect("a client for the proxy");
        match export_with_writers(&client, seed, DOMAIN, 150) {
            Ok(line) => eprintln!("{line}"),
            Err(broken) => panic!("{broken}"),
        }
    }
}
