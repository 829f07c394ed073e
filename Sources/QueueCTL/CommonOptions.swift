import ArgumentParser

/// What every command takes: where the database is (else `DATABASE_URL`), and JSON output for scripts.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (default: DATABASE_URL).") var databaseURL: String?
    @Flag(help: "Print JSON instead of text.") var json = false
}
