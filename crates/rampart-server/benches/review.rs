//! Time of one admission review without the transport: parse the body, decide, serialise
//! the answer, for the realistic pod of `benches/data/pod-review.json` under the load
//! generator's configuration (`benches/data/config.yaml`). `json_value` (parsing the same
//! body into a `serde_json::Value`) is the baseline to read the others against.
//! Run: `cargo bench -p rampart-server --bench review`.

#![allow(clippy::expect_used, missing_docs)] // a bench fixture that does not load is a bug in the bench

use std::convert::Infallible;

use rampart_core::psp::AllowAll;
use rampart_server::engine::{Context, Endpoint, Engine, ExistingPods, Verdict};
use rampart_server::replicas::{ReplicaKey, ReplicaVerdicts};
use rampart_server::review;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The review as written (indented for reading); benches send it compact, as the API
/// server does.
const REVIEW: &[u8] = include_bytes!("data/pod-review.json");
const CONFIG: &str = include_str!("data/config.yaml");

fn main() {
    divan::main();
}

fn body() -> Vec<u8> {
    let review: serde_json::Value = serde_json::from_slice(REVIEW).expect("bench review");
    serde_json::to_vec(&review).expect("json")
}

fn engine() -> Engine {
    Engine::new(rampart_server::Config::parse(CONFIG).expect("bench config"))
}

fn context() -> Context<'static> {
    Context {
        labels: Ok(None),
        authz: &AllowAll,
        pods: ExistingPods::Unknown,
    }
}

/// Baseline: the body into a generic JSON tree.
#[divan::bench]
fn json_value(bencher: divan::Bencher) {
    let body = body();
    bencher.bench_local(|| serde_json::from_slice::<serde_json::Value>(&body).expect("json"));
}

/// The body into an `AdmissionRequest`.
#[divan::bench]
fn parse(bencher: divan::Bencher) {
    let body = body();
    bencher.bench_local(|| review::parse(&body).expect("review"));
}

/// The decision on a parsed request.
#[divan::bench]
fn decide(bencher: divan::Bencher) {
    let engine = engine();
    let request = review::parse(&body()).expect("review");
    bencher.bench_local(|| engine.review(Endpoint::Validate, &request, &context()));
}

/// Parse, decide and serialise: what the handler does between the body and the answer.
#[divan::bench]
fn whole(bencher: divan::Bencher) {
    let engine = engine();
    let body = body();
    bencher.bench_local(|| respond(&engine, &body));
}

/// `whole` for a replica of a template seen before: its key instead of the decision.
#[divan::bench]
fn whole_replica(bencher: divan::Bencher) {
    let engine = engine();
    let body = body();
    let replicas = ReplicaVerdicts::default();
    respond_replica(&engine, &replicas, &body);
    bencher.bench_local(|| respond_replica(&engine, &replicas, &body));
}

/// What the handler does with a body: parse, decide, serialise the answer.
fn respond(engine: &Engine, body: &[u8]) -> Vec<u8> {
    let request = review::parse(body).expect("review");
    let verdict = engine.review(Endpoint::Validate, &request, &context());
    answer(request, verdict)
}

/// What the handler does with a pod's body when replicas share verdicts: parse, the
/// verdict on an earlier replica (or a decision), serialise the answer.
fn respond_replica(engine: &Engine, replicas: &ReplicaVerdicts, body: &[u8]) -> Vec<u8> {
    let request = review::parse(body).expect("review");
    let key = ReplicaKey::of(&request, &Ok(None)).expect("a replica");
    let decide = || Ok::<_, Infallible>(engine.review(Endpoint::Validate, &request, &context()));
    let Ok((verdict, _)) = replicas.get_or_decide(key, decide);
    answer(request, verdict)
}

/// The serialised answer.
fn answer(request: review::AdmissionRequest, verdict: Verdict) -> Vec<u8> {
    serde_json::to_vec(
        &verdict
            .into_response(request.uid)
            .expect("response")
            .into_review(),
    )
    .expect("json")
}

/// `whole` with the caches cold: 16 MiB of memory are touched before each review, as the
/// TLS and HTTP work between two reviews does in the server. This is the figure that
/// predicts the server's cost per review; `whole` is the same work with hot caches.
#[divan::bench(sample_size = 1, sample_count = 2000)]
fn whole_cold_cache(bencher: divan::Bencher) {
    let engine = engine();
    let body = body();
    let mut scratch = vec![0u8; 16 << 20];
    bencher
        .with_inputs(|| {
            for byte in scratch.iter_mut().step_by(64) {
                *byte = byte.wrapping_add(1);
            }
            divan::black_box(&scratch);
        })
        .bench_local_values(|()| respond(&engine, &body));
}
