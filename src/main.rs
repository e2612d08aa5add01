// mimalloc: every request allocates and frees a few dozen short strings and
// vectors; glibc's allocator spent about a fifth of the server's CPU on them
// under load (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    policy_classifier::cli::main()
}
