//! The `claimkit` command. Argument parsing only: every subcommand calls the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
