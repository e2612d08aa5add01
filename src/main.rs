// jemalloc: every request allocates and frees a few dozen short strings and
// vectors; glibc's allocator spent about a fifth of the server's CPU on them
// under load. mimalloc was as fast but kept ~40 MB more resident (see
// docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    policy_classifier::run_cli()
}
