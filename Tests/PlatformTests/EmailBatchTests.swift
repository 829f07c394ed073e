import Foundation
@testable import Platform
@testable import Providers
import Testing

/// A campaign template rendered once with tokens: a recipient joins the batch only when its values
/// substituted into the skeleton give exactly its own rendering.
@Suite struct EmailBatchTests {
    static let template = try! EmailTemplate(
        name: "news", subject: "News for {{name}}",
        text: "Hello {{name}} <{{email}}>, {{headline}}.{{#vip}} Thanks for being a VIP.{{/vip}}\nLeave: {{unsubscribe_url}}",
        html: "<p>Hello {{name}}, {{headline}}.</p>{{#vip}}<p>VIP</p>{{/vip}}<a href=\"{{unsubscribe_url}}\">leave</a>")
    static let shared: [String: TemplateValue] = ["headline": .string("we <launched> & more"), "vip": .bool(false)]
    static let personal: Set<String> = ["name", "email", "unsubscribe_url"]

    static func variables(_ name: String, _ email: String, vip: Bool = false) -> [String: TemplateValue] {
        shared.merging(["name": .string(name), "email": .string(email), "unsubscribe_url": .string("https://x.test/u?t=\(email)&a=1"),
                        "vip": .bool(vip)]) { _, own in own }
    }

    @Test func substitutionsRebuildEachRecipientsOwnRendering() throws {
        let skeleton = try #require(BatchSkeleton(template: Self.template, shared: Self.shared, personalKeys: Self.personal))
        #expect(!skeleton.html.contains("Ada"))
        #expect(skeleton.html.contains("we &lt;launched&gt; &amp; more"), "shared values are rendered into the skeleton")
        var recipients: [EmailBatch.Recipient] = []
        var expected: [RenderedEmail] = []
        for (name, email) in [("Ada", "ada@example.com"), ("<b>O'Neil</b> & co", "oneil@example.com")] {
            let variables = Self.variables(name, email)
            let rendered = try Self.template.render(variables)
            let substitutions = try #require(skeleton.substitutions(for: variables, rendered: rendered), "\(name)")
            recipients.append(EmailBatch.Recipient(id: "\(email)-id", to: EmailAddress(email), substitutions: substitutions))
            expected.append(rendered)
        }
        let batch = EmailBatch(from: EmailAddress("news@example.com"), subject: skeleton.subject, text: skeleton.text, html: skeleton.html,
                               recipients: recipients)
        #expect(batch.isTemplated)
        for (message, rendered) in zip(batch.messages, expected) {
            #expect(message.subject == rendered.subject)
            #expect(message.text == rendered.text)
            #expect(message.html == rendered.html)
        }
        let escaped = batch.messages[1]
        #expect(escaped.html.contains("Hello &lt;b&gt;O&#39;Neil&lt;/b&gt; &amp; co,"), "HTML values arrive escaped")
        #expect(escaped.text.contains("Hello <b>O'Neil</b> & co <oneil@example.com>"), "text values arrive raw")
        #expect(escaped.subject == "News for <b>O'Neil</b> & co")
    }

    @Test func aRecipientTheSkeletonCannotExpressTravelsAlone() throws {
        let skeleton = try #require(BatchSkeleton(template: Self.template, shared: Self.shared, personalKeys: Self.personal))
        // A section on a value that differs from the skeleton's renders differently.
        let vip = Self.variables("Vic", "vic@example.com", vip: true)
        #expect(skeleton.substitutions(for: vip, rendered: try Self.template.render(vip)) == nil)
        // A value that spells a token could be substituted again by the provider.
        let sneaky = Self.variables(EmailBatch.token(0, html: false), "s@example.com")
        #expect(skeleton.substitutions(for: sneaky, rendered: try Self.template.render(sneaky)) == nil)
        // A subject folded onto one line no longer matches the token's place.
        let folded = Self.variables("two\nlines", "f@example.com")
        #expect(skeleton.substitutions(for: folded, rendered: try Self.template.render(folded)) == nil)
    }

    @Test func scalarValuesBecomeTokensAndOthersTheFirstRecipientsValue() {
        var shared: [String: TemplateValue] = ["headline": .string("h")]
        let keys = BatchSkeleton.personalKeys(of: [["name": .string("A"), "vip": .bool(true), "n": .int(3)], ["vip": .bool(false)]],
                                              shared: &shared)
        #expect(keys == ["name", "n"])
        #expect(shared["vip"] == .bool(true))
    }

    @Test func aTemplateThatNeedsAMissingVariableHasNoSkeleton() throws {
        #expect(BatchSkeleton(template: Self.template, shared: [:], personalKeys: ["name"]) == nil)
    }

    @Test func aSingleMessageIsABatchOfOneWithoutTokens() {
        let message = EmailMessage(id: "m1", from: EmailAddress("a@example.com"), to: EmailAddress("b@example.com"), subject: "S",
                                   text: "t @@ x", html: "<p>h</p>", headers: [("X-Test", "1")])
        let batch = EmailBatch(message)
        #expect(!batch.isTemplated)
        let back = batch.messages[0]
        #expect(back.id == "m1" && back.subject == "S" && back.text == "t @@ x" && back.headers.first?.0 == "X-Test")
    }

    @Test func theConcurrencyGateHoldsItsLimit() async {
        let gate = ConcurrencyGate(limit: 3)
        let counter = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await gate.withPermit {
                        await counter.enter()
                        try? await Task.sleep(for: .milliseconds(5))
                        await counter.leave()
                    }
                }
            }
        }
        // Never more than the limit; reaching it depends on how the machine schedules the tasks.
        let peak = await counter.peak
        #expect(peak <= 3 && peak >= 1)
        #expect(await counter.total == 20)
    }

    actor Counter {
        var current = 0
        var peak = 0
        var total = 0
        func enter() {
            current += 1
            total += 1
            peak = max(peak, current)
        }
        func leave() { current -= 1 }
    }
}
