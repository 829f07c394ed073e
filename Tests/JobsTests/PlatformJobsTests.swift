import Jobs
import Logging
import Platform
import PostgresNIO
import QueueEngine
import Testing

/// Producers check jobs against the catalogue, workers run them from the registry: the two must
/// name the same kinds with the same defaults, or a job could be accepted that no worker runs.
@Suite struct PlatformJobsTests {
    @Test func theCatalogueNamesEveryHandledKindWithItsDefaults() {
        // The client is never run: building the registry connects nowhere.
        let client = PostgresClient(configuration: .init(host: "127.0.0.1", username: "nobody", password: nil, database: nil, tls: .disable))
        let registry = PlatformJobs.registry(store: JobStore(client: client, logger: Logger(label: "test")))
        #expect(PlatformJobs.catalogue.kinds == registry.kinds)
        #expect(PlatformJobs.catalogue.kinds.count >= 17)
        for kind in registry.kinds {
            #expect(PlatformJobs.catalogue.defaults(for: kind) == registry.defaults(for: kind), "\(kind)")
        }
    }
}
