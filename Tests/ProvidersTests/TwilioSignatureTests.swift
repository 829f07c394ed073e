import Foundation
import Providers
import Testing

/// The request-signature scheme against the example of Twilio's webhook-security page.
@Suite struct TwilioSignatureTests {
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    // Out of order on purpose: the signature sorts them.
    static let parameters = [("To", "+18005551212"), ("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"),
                             ("From", "+12349013030"), ("Caller", "+12349013030")]

    @Test func theDocumentedExampleVerifies() {
        #expect(TwilioSignature.signature(authToken: "12345", url: Self.url, parameters: Self.parameters) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        #expect(TwilioSignature.isValid("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", authToken: "12345", url: Self.url, parameters: Self.parameters))
    }

    @Test func anyChangeIsRefused() {
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        var tampered = Self.parameters
        tampered[2] = ("Digits", "9999")
        #expect(!TwilioSignature.isValid(good, authToken: "12345", url: Self.url, parameters: tampered))
        #expect(!TwilioSignature.isValid(good, authToken: "12345", url: Self.url + "&baz=3", parameters: Self.parameters))
        #expect(!TwilioSignature.isValid(good, authToken: "54321", url: Self.url, parameters: Self.parameters))
        #expect(!TwilioSignature.isValid(String(good.dropLast()), authToken: "12345", url: Self.url, parameters: Self.parameters))
        #expect(!TwilioSignature.isValid(nil, authToken: "12345", url: Self.url, parameters: Self.parameters))
        #expect(!TwilioSignature.isValid(good, authToken: "", url: Self.url, parameters: Self.parameters))
        // An added parameter breaks it too.
        #expect(!TwilioSignature.isValid(good, authToken: "12345", url: Self.url, parameters: Self.parameters + [("Extra", "1")]))
    }
}
