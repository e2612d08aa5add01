fn main() -> std::process::ExitCode {
    policy_classifier::cli::main()
}
