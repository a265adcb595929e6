use std::process::ExitCode;

fn main() -> ExitCode {
    corral::cli::main()
}
