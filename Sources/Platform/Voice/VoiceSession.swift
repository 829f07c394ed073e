import Audio
import Foundation
import Logging
import PostgresNIO
import Providers
import ServerSupport
import Synchronization

/// One call over a media stream: what the caller says becomes a turn of the conversation core
/// (speech to text, the model, its tools), and the reply is spoken back sentence by sentence in the
/// assistant's voice, each followed by a mark. Caller speech above the assistant's interruption
/// sensitivity while it speaks clears Twilio's audio and cancels the turn's work; a new utterance
/// starts the next turn. DTMF digits reach the turn as text. The transport feeds `handle` and
/// sends what `send` gets; `hangUp` is called when the assistant ends the call, and `transfer` with
/// the number when it transfers it (once its last words have played), answering whether it could.
public actor VoiceSession {
    public struct Services: Sendable {
        public let conversations: ConversationService
        public let recognizer: any SpeechRecognizer
        public let voices: Voices

        public init(conversations: ConversationService, recognizer: any SpeechRecognizer, voices: Voices) {
            self.conversations = conversations
            self.recognizer = recognizer
            self.voices = voices
        }
    }

    /// What a turn starts from.
    enum Heard: Sendable {
        /// The caller's words (more than one utterance when they paused and went on), and when their
        /// last voiced frame came.
        case utterance([any UtteranceRecognition], voicedAt: ContinuousClock.Instant)
        case digits(String)
        /// Nothing for the assistant's `silence_timeout_ms`: a re-prompt, then a goodbye.
        case silence
    }

    let callID: UUID
    /// Part of each turn's request key, so another stream of the same call never replays this one's turns.
    let streamSID: String
    let assistant: AssistantSettings
    let services: Services
    let hangUp: @Sendable () async -> Void
    let transfer: @Sendable (String) async -> Bool
    let logger: Logger
    private var listener = CallListener()
    /// The caller's utterance being recognised as they speak.
    private var hearing: (any UtteranceRecognition)?
    private var bargeIn: BargeIn
    /// The turn being transcribed, answered or spoken, and what it started from.
    private var current: Task<Void, Never>?
    private var currentHeard: Heard?
    /// Whether the current turn has begun to speak (before that, a new utterance continues it).
    private var currentSpeaks = false
    /// Commands in the order the session decided them; one writer sends them, so no audio
    /// decided before a `clear` can reach Twilio after it.
    private let outbox: AsyncStream<MediaStreamCommand>.Continuation
    private var writer: Task<Void, Never>?
    /// When the line last went quiet: the caller stopped talking or the assistant's audio played.
    private var quietSince = ContinuousClock.now
    private var silenceWatch: Task<Void, Never>?
    /// Set by `end()`: nothing starts after it.
    private var ended = false
    /// Turns replaced by one over more of the caller's words (they had only paused): their rows are
    /// removed once stored, so neither the transcript nor the model's history holds them twice.
    private var supersededTurns: Set<Int> = []
    /// The stored turn of each of this session's turns, and the ones the caller cut into.
    private var replyIDs: [Int: Int64] = [:]
    private var interruptedTurns: Set<Int> = []
    private var recordedTurns: Set<Int> = []
    /// Marks sent whose audio Twilio has not played yet, and their sentences.
    private var unplayed: [String: String] = [:]
    private var turns = 0
    /// Audio of turns up to this one is no longer sent (the caller interrupted them).
    private var silencedThrough = -1
    /// When the caller's last voiced frame came.
    private var lastVoiced = ContinuousClock.now
    /// The stages of each turn still running, measured as they pass.
    private var clocks: [Int: TurnClock] = [:]
    /// Marks of which some audio was sent (a failed voice is retried in another only before that).
    private var audible: Set<String> = []
    /// What the caller has heard of each turn, by its number (the sentences whose marks came back
    /// before any interruption; a mark echoed after `clear` was dropped, not played).
    public private(set) var heard: [Int: [String]] = [:]
    public private(set) var interruptions = 0

    public init(callID: UUID, streamSID: String, assistant: AssistantSettings, services: Services, logger: Logger,
                send: @escaping @Sendable (MediaStreamCommand) async -> Void, hangUp: @escaping @Sendable () async -> Void,
                transfer: @escaping @Sendable (String) async -> Bool) {
        self.callID = callID
        self.streamSID = streamSID
        let (commands, outbox) = AsyncStream<MediaStreamCommand>.makeStream()
        self.outbox = outbox
        writer = VoiceTasks.spawn(callID) {
            for await command in commands { await send(command) }
        }
        self.assistant = assistant
        self.services = services
        self.logger = logger
        self.hangUp = hangUp
        self.transfer = transfer
        bargeIn = BargeIn(sensitivity: assistant.interruptionSensitivity)
    }

    /// Whether the assistant is busy with the caller: a turn is running or its audio is unplayed.
    public var isSpeaking: Bool { current != nil || !unplayed.isEmpty }

    /// Whether Twilio still holds audio of the assistant's that the caller has not heard.
    var isPlaying: Bool { !unplayed.isEmpty }

    public func handle(_ event: MediaStreamEvent) async {
        switch event {
        case .start:
            watchSilence()
            // The greeting, in the assistant's voice, as turn 0 (once, however often Twilio says start).
            let greeting = assistant.firstMessage.trimmingCharacters(in: .whitespacesAndNewlines)
            guard turns == 0, current == nil, !greeting.isEmpty else { break }
            currentSpeaks = true
            current = VoiceTasks.spawn(callID) {
                await self.speak([greeting], turn: 0)
                await self.finished(turn: 0)
            }
        case .media(_, let payload, _):
            for (frame, voiced, event) in listener.hear(payload) {
                if voiced { lastVoiced = .now }
                // Only audio the caller is hearing can be interrupted; a turn still thinking is not.
                if isPlaying, bargeIn.hears(frame) { interrupt() }
                switch event {
                case .speechStarted(let lead):
                    hearing?.cancel()
                    hearing = services.recognizer.begin(callID: callID, language: assistant.language, logger: logger)
                    hearing?.hear(lead)
                case .speechEnded:
                    hearing?.hear(frame)
                    if let utterance = hearing { begin(.utterance([utterance], voicedAt: lastVoiced)) }
                    hearing = nil
                case nil:
                    if listener.isSpeaking { hearing?.hear(frame) }
                }
            }
            if listener.isSpeaking { quietSince = .now }
        case .dtmf(let digit):
            quietSince = .now
            begin(.digits(digit))
        case .mark(let name):
            guard let sentence = unplayed.removeValue(forKey: name), let turn = Self.turn(of: name) else { break }
            heard[turn, default: []].append(sentence)
            quietSince = .now
        case .stop:
            end()
        case .connected, .other:
            break
        }
    }

    /// The call is over: everything in flight stops, and what was decided is still sent.
    public func end() {
        ended = true
        hearing?.cancel()
        hearing = nil
        abandon(currentHeard)
        currentHeard = nil
        silenceWatch?.cancel()
        current?.cancel()
        current = nil
        unplayed.removeAll()
        outbox.finish()
    }

    private func send(_ command: MediaStreamCommand) { outbox.yield(command) }

    /// Stops recognising utterances no turn will read.
    private func abandon(_ heard: Heard?) {
        if case .utterance(let parts, _)? = heard { parts.forEach { $0.cancel() } }
    }

    /// Checks the line a few times a second: quiet for `silence_timeout_ms` while nobody speaks
    /// makes a silent turn (the conversation core re-prompts once, then says goodbye and ends).
    private func watchSilence() {
        guard silenceWatch == nil else { return }
        let timeout = Duration.milliseconds(assistant.silenceTimeoutMS)
        quietSince = .now
        silenceWatch = VoiceTasks.spawn(callID) {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                guard !Task.isCancelled else { return }
                await self.checkSilence(timeout: timeout)
            }
        }
    }

    private func checkSilence(timeout: Duration) {
        guard !ended, !isSpeaking, !listener.isSpeaking, ContinuousClock.now - quietSince >= timeout else { return }
        quietSince = .now
        begin(.silence)
    }

    private func interrupt() {
        interruptions += 1
        // The turns whose audio was cut: recorded now, or once their reply is stored.
        var cut = Set(unplayed.keys.compactMap(Self.turn(of:)))
        if current != nil { cut.insert(turns) }
        interruptedTurns.formUnion(cut)
        for turn in cut { recordInterruption(of: turn) }
        silencedThrough = turns
        current?.cancel()
        current = nil
        abandon(currentHeard)
        currentHeard = nil
        unplayed.removeAll()
        bargeIn.reset()
        send(.clear)
        logger.info("caller interrupted the assistant", metadata: ["call.id": "\(callID)"])
    }

    /// A new turn from what the caller just said or pressed. A turn still transcribing or thinking
    /// is replaced by one over both utterances (the caller had only paused); once the assistant has
    /// begun to answer (its audio playing, or a tool running between its sentences), a new utterance
    /// interrupts it unless its sensitivity lets nothing interrupt, in which case the assistant does
    /// not listen until it has finished. Only one turn runs at a time.
    private func begin(_ heard: Heard) {
        guard !ended else { return abandon(heard) }
        var heard = heard
        if isPlaying || (current != nil && currentSpeaks) {
            guard bargeIn.level != nil else { return abandon(heard) }
            interrupt()
        } else if let running = current {
            running.cancel()
            supersededTurns.insert(turns)
            if case .utterance(let before, _)? = currentHeard, case .utterance(let now, let voicedAt) = heard {
                heard = .utterance(before + now, voicedAt: voicedAt)
            } else {
                abandon(currentHeard)
            }
        }
        turns += 1
        let turn = turns
        currentHeard = heard
        currentSpeaks = false
        if case .utterance(_, let voicedAt) = heard { clocks[turn] = TurnClock(voicedAt: voicedAt) }
        let start = heard
        current = VoiceTasks.spawn(callID) { await self.run(start, turn: turn) }
    }

    private func run(_ heard: Heard, turn: Int) async {
        defer { finished(turn: turn) }
        var text: String?
        var unheard: String?
        switch heard {
        case .utterance(let parts, _):
            let started = ContinuousClock.now
            do {
                var texts: [String] = []
                for part in parts { texts.append(try await part.text()) }
                text = texts.filter { !$0.isEmpty }.joined(separator: " ")
            } catch {
                parts.forEach { $0.cancel() }
                // The caller is asked to say it again (the turn's fallback line) and the call goes on.
                logger.warning("speech to text failed", metadata: ["call.id": "\(callID)", "reason": "\(error)"])
                unheard = "speech_to_text: \(error)"
            }
            clocks[turn]?.transcriptionMS = (ContinuousClock.now - started).milliseconds
        case .digits(let digits):
            text = "(The caller pressed \(digits) on the keypad.)"
        case .silence:
            text = nil
        }
        guard text?.isEmpty != true, !Task.isCancelled else { return }
        // The reply is spoken sentence by sentence while the model is still writing it: its words
        // stream into sentences, which one task speaks in order after `response_delay_ms`.
        let (sentences, queue) = AsyncStream<String>.makeStream()
        let streamed = StreamedSentences()
        let delay = Duration.milliseconds(assistant.responseDelayMS)
        let reply: ConversationTurn? = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: delay)
                var index = 0
                for await sentence in sentences where !Task.isCancelled {
                    await self.speakSentence(sentence, turn: turn, index: index)
                    index += 1
                }
            }
            // The reply's last words are spoken as soon as it is known, while it is stored; a turn
            // that was repeated or had ended answers without `onReply`, and ends here.
            let reply = await answer(text, unheard: unheard, turn: turn, onText: { words in
                for sentence in streamed.add(words) { queue.yield(sentence) }
            }, onReply: { reply in
                if !Task.isCancelled { for sentence in streamed.rest(of: reply) { queue.yield(sentence) } }
                queue.finish()
            })
            if let reply, !Task.isCancelled { for sentence in streamed.rest(of: reply) { queue.yield(sentence) } }
            queue.finish()
            await group.waitForAll()
            return reply
        }
        // A turn of an ended conversation answers a goodbye that was never stored (id 0).
        if let reply, reply.id > 0 {
            if supersededTurns.contains(turn) {
                let id = reply.id
                store("a superseded turn's removal") { connection, logger in
                    try await ConversationStore.removeTurn(id: id, on: connection, logger: logger)
                }
            } else {
                replyIDs[turn] = reply.id
                if interruptedTurns.contains(turn) { recordInterruption(of: turn) }
                recordTimings(of: turn)
            }
        }
        if let reply, reply.action != .continue, !Task.isCancelled {
            await waitUntilPlayed(turn: turn)
            // The caller may have talked over the goodbye: then the call goes on.
            guard !Task.isCancelled else { return }
            if reply.action == .transferCall, let number = reply.transferTo, !number.isEmpty {
                // Apart from the turn: Twilio stops the stream as it redirects, which ends this session.
                let transfer = self.transfer
                if await Task(operation: { await transfer(number) }).value { return }
                guard !Task.isCancelled else { return }
                logger.error("a streamed call could not be transferred; it is ended", metadata: ["call.id": "\(callID)"])
            }
            await hangUp()
        }
    }

    /// The conversation core's turn for what the caller said (nil: a silence); its words go to `onText`
    /// as the model writes them.
    private func answer(_ text: String?, unheard: String?, turn: Int, onText: @escaping @Sendable (String) -> Void,
                        onReply: @escaping @Sendable (ConversationTurn) -> Void) async -> ConversationTurn? {
        let callID = self.callID
        let logger = self.logger
        do {
            let answer = try await services.conversations.turn(requestKey: "stream:\(streamSID):\(turn)", callerText: text, confidence: nil,
                                                               unheard: unheard, logger: logger, onText: onText, onReply: onReply,
                                                               lookup: ConversationService.call(callID, logger: logger))
            return answer?.0
        } catch {
            logger.error("a streamed turn failed", metadata: ["call.id": "\(callID)", "error": "\(error)"])
            return nil
        }
    }

    private func finished(turn: Int) {
        clocks[turn] = nil
        guard turns == turn else { return }
        current = nil
        currentHeard = nil
    }

    /// Stores on the turn's row what the caller heard before cutting in, once its reply is stored;
    /// apart from the turn's task, so it is written whatever happens to that.
    private func recordInterruption(of turn: Int) {
        guard let id = replyIDs[turn], !recordedTurns.contains(turn) else { return }
        recordedTurns.insert(turn)
        let heardText = (heard[turn] ?? []).joined(separator: " ")
        store("an interruption") { connection, logger in
            try await ConversationStore.recordInterruption(turnID: id, heard: heardText, on: connection, logger: logger)
        }
    }

    /// Stores on the turn's row how long its stages took (once its reply is stored).
    private func recordTimings(of turn: Int) {
        guard let id = replyIDs[turn], let clock = clocks.removeValue(forKey: turn) else { return }
        let timings = clock.timings
        guard timings != VoiceTimings() else { return }
        store("a turn's timings") { connection, logger in
            try await ConversationStore.recordTimings(turnID: id, timings, on: connection, logger: logger)
        }
    }

    /// Writes to the database apart from the turn's task, so it is written whatever happens to that.
    private func store(_ what: String, _ write: @escaping @Sendable (PostgresConnection, Logger) async throws -> Void) {
        let client = services.conversations.client
        let logger = self.logger
        _ = VoiceTasks.spawn(callID) {
            do {
                try await client.withConnection { connection in try await write(connection, logger) }
            } catch {
                logger.warning("\(what) was not recorded", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Sends `command` of `mark` unless its turn was interrupted (the provider may still be streaming it).
    private func forward(_ command: MediaStreamCommand, turn: Int, mark: String) {
        guard turn > silencedThrough else { return }
        if case .media = command {
            audible.insert(mark)
            if clocks[turn]?.firstAudioAt == nil { clocks[turn]?.firstAudioAt = .now }
        }
        send(command)
    }

    /// Speaks the sentences of `turn` in order, each with its mark, until the turn is cancelled.
    private func speak(_ sentences: [String], turn: Int) async {
        for (index, sentence) in sentences.enumerated() where !Task.isCancelled {
            await speakSentence(sentence, turn: turn, index: index)
        }
    }

    /// Speaks one sentence with its mark `t<turn>-s<index>` in the assistant's voice; when that
    /// provider fails before any of the sentence was sent, in the next configured provider's voice.
    /// A sentence no provider could speak is logged and skipped; the next one may fare better.
    private func speakSentence(_ sentence: String, turn: Int, index: Int) async {
        guard turn > silencedThrough else { return }
        let voices = services.voices.voices(provider: assistant.voiceProvider, id: assistant.voiceID)
        guard !voices.isEmpty else {
            logger.error("no voice is configured", metadata: ["voice.provider": "\(assistant.voiceProvider)"])
            return
        }
        if turns == turn { currentSpeaks = true }
        let mark = "t\(turn)-s\(index)"
        unplayed[mark] = sentence
        defer { audible.remove(mark) }
        if index == 0 { clocks[turn]?.speakingSince = .now }
        for (synthesizer, voice) in voices where !Task.isCancelled && !audible.contains(mark) {
            let speaker = SentenceSpeaker(synthesizer: synthesizer, timeout: services.voices.timeout)
            do {
                try await speaker.speak(sentence, voice: voice, language: assistant.language, mark: mark) { command in
                    await self.forward(command, turn: turn, mark: mark)
                }
                return
            } catch {
                logger.warning("text to speech failed", metadata: ["call.id": "\(callID)", "voice": "\(voice)", "reason": "\(error)"])
            }
        }
        unplayed[mark] = nil
    }

    /// Waits (a little at a time, at most ten seconds) until Twilio has played the turn's audio.
    private func waitUntilPlayed(turn: Int) async {
        let deadline = ContinuousClock.now + .seconds(10)
        while unplayed.keys.contains(where: { Self.turn(of: $0) == turn }), ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The turn of a mark `t<turn>-s<sentence>`.
    static func turn(of mark: String) -> Int? {
        guard mark.hasPrefix("t"), let dash = mark.firstIndex(of: "-") else { return nil }
        return Int(mark[mark.index(after: mark.startIndex)..<dash])
    }
}

/// When the stages of one streamed turn began and ended.
struct TurnClock: Sendable {
    /// The caller's last voiced frame before the turn.
    let voicedAt: ContinuousClock.Instant
    var transcriptionMS: Int?
    /// When the first sentence went to the voice provider, and its first audio was sent on.
    var speakingSince: ContinuousClock.Instant?
    var firstAudioAt: ContinuousClock.Instant?

    var timings: VoiceTimings {
        VoiceTimings(transcriptionMS: transcriptionMS,
                     firstAudioMS: speakingSince.flatMap { since in firstAudioAt.map { ($0 - since).milliseconds } },
                     voiceToVoiceMS: firstAudioAt.map { ($0 - voicedAt).milliseconds })
    }
}

/// The model's words as they stream, cut into sentences across the callbacks.
final class StreamedSentences: Sendable {
    private struct State {
        var splitter = SentenceSplitter()
        /// Every word that streamed, in every round of the turn.
        var written = ""
        var finished = false
    }

    private let state = Mutex(State())

    func add(_ words: String) -> [String] {
        state.withLock { state in
            state.written += words
            return state.splitter.add(words)
        }
    }

    /// The sentences still to speak once the reply is known, the first time it is asked: the rest of
    /// the streamed words, then the reply itself when it is not what streamed (a repeated or silent
    /// turn streams nothing, a failed one ends in its fallback line, and a goodbye or transfer after a
    /// tool round is the platform's line).
    func rest(of reply: ConversationTurn) -> [String] {
        state.withLock { state in
            guard !state.finished else { return [] }
            state.finished = true
            let said = reply.assistantText.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !state.written.isEmpty, reply.outcome != .failed else { return SentenceSplitter.all(of: said) }
            let rest = state.splitter.finish().map { [$0] } ?? []
            return state.written.contains(said) ? rest : rest + SentenceSplitter.all(of: said)
        }
    }
}
