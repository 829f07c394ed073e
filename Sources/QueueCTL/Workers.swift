import ArgumentParser
import Foundation
import QueueEngine

/// The live workers: each announces itself every heartbeat, so a row seen within the window is a
/// running process, with its host, queues, slots and how many jobs it runs now.
struct Workers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the live workers, their queues and running jobs.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Seconds since a worker was last seen for it to count as live.") var within: Int = 60

    func run() async throws {
        let window = Duration.seconds(max(1, within))
        let workers = try await Connection.run(common) { try await $0.queue.store.workers(seenWithin: window) }
        // Queues as a list: the JSON's snake_case key conversion would otherwise rename a queue with capitals.
        if common.json {
            return try printJSON(workers.map { worker in
                Presence(id: worker.id, host: worker.host, pid: worker.pid,
                         queues: worker.queues.sorted { $0.key < $1.key }.map { Presence.Slots(queue: $0.key, slots: $0.value) },
                         running: worker.running, startedAt: worker.startedAt, lastSeenAt: worker.lastSeenAt)
            })
        }
        print("id\thost\tpid\trunning\tqueues\tlast_seen")
        for worker in workers {
            let queues = worker.queues.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            print("\(worker.id)\t\(worker.host)\t\(worker.pid)\t\(worker.running)\t\(queues)\t\(worker.lastSeenAt)")
        }
    }

    struct Presence: Encodable {
        struct Slots: Encodable {
            let queue: String
            let slots: Int
        }

        let id: String
        let host: String
        let pid: Int
        let queues: [Slots]
        let running: Int
        let startedAt: Date
        let lastSeenAt: Date
    }
}
