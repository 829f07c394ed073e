import Foundation
import Platform
import ServerSupport
import Testing

/// The tool-parameter validator against a table of schemas with valid and invalid arguments: each
/// invalid case names the JSON pointer of the first problem.
@Suite struct JSONSchemaTests {
    static let order: JSONValue = JSONValue(text: """
        {"type": "object", "required": ["customer", "items"], "additionalProperties": false,
         "properties": {
           "customer": {"type": "object", "required": ["email"], "properties": {
               "email": {"type": "string", "format": "email"},
               "name": {"type": "string", "minLength": 1, "maxLength": 5},
               "tier": {"enum": ["free", "pro"]}}},
           "items": {"type": "array", "minItems": 1, "maxItems": 3, "uniqueItems": true,
                     "items": {"type": "object", "required": ["sku", "quantity"], "properties": {
                        "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
                        "quantity": {"type": "integer", "minimum": 1, "exclusiveMaximum": 100}}}},
           "when": {"type": "string", "format": "date-time"},
           "day": {"type": "string", "format": "date"},
           "id": {"type": "string", "format": "uuid"},
           "price": {"type": "number", "multipleOf": 0.01, "maximum": 1000},
           "note": {"type": ["string", "null"]},
           "contact": {"$ref": "#/$defs/contact"},
           "flag": {"const": true},
           "code": {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "integer"}]},
           "tag": {"anyOf": [{"type": "string", "format": "ipv4"}, {"type": "string", "format": "ipv6"}]},
           "not_zero": {"not": {"const": 0}},
           "both": {"allOf": [{"type": "integer"}, {"minimum": 10}]},
           "site": {"type": "string", "format": "uri"},
           "host": {"type": "string", "format": "hostname"},
           "at": {"type": "string", "format": "time"},
           "labels": {"type": "object", "maxProperties": 2, "additionalProperties": {"type": "string"}}},
         "$defs": {"contact": {"type": "object", "required": ["phone"], "properties": {"phone": {"type": "string", "pattern": "^\\\\+[0-9]+$"}}}}}
        """)

    static let valid = #"{"customer": {"email": "a@example.com"}, "items": [{"sku": "ABC-1", "quantity": 2}]}"#

    /// (arguments merged into the valid base, the path of the expected first problem).
    static let invalid: [(String, String)] = [
        (#"{"customer": {"email": "not-an-email"}}"#, "/customer/email"),
        (#"{"customer": {}}"#, "/customer/email"),
        (#"{"customer": {"email": "a@example.com", "name": ""}}"#, "/customer/name"),
        (#"{"customer": {"email": "a@example.com", "name": "abcdef"}}"#, "/customer/name"),
        (#"{"customer": {"email": "a@example.com", "tier": "gold"}}"#, "/customer/tier"),
        (#"{"items": []}"#, "/items"),
        (#"{"items": [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 1}, {"sku": "C", "quantity": 1}, {"sku": "D", "quantity": 1}]}"#,
         "/items"),
        (#"{"items": [{"sku": "ABC-1", "quantity": 1}, {"sku": "ABC-1", "quantity": 1}]}"#, "/items"),
        (#"{"items": [{"sku": "abc-1", "quantity": 1}]}"#, "/items/0/sku"),
        (#"{"items": [{"sku": "ABC-1", "quantity": 1.5}]}"#, "/items/0/quantity"),
        (#"{"items": [{"sku": "ABC-1", "quantity": 0}]}"#, "/items/0/quantity"),
        (#"{"items": [{"sku": "ABC-1", "quantity": 100}]}"#, "/items/0/quantity"),
        (#"{"items": [{"sku": "ABC-1"}]}"#, "/items/0/quantity"),
        (#"{"items": "ABC-1"}"#, "/items"),
        (#"{"when": "2026-11-25 10:00"}"#, "/when"),
        (#"{"day": "2026-02-30"}"#, "/day"),
        (#"{"id": "not-a-uuid"}"#, "/id"),
        (#"{"price": 10.001}"#, "/price"),
        (#"{"price": 1000.5}"#, "/price"),
        (#"{"note": 5}"#, "/note"),
        (#"{"contact": {"phone": "0049"}}"#, "/contact/phone"),
        (#"{"contact": {}}"#, "/contact/phone"),
        (#"{"flag": false}"#, "/flag"),
        (#"{"code": "abcd"}"#, "/code"),
        (#"{"tag": "999.1.1.1"}"#, "/tag"),
        (#"{"not_zero": 0}"#, "/not_zero"),
        (#"{"both": 5}"#, "/both"),
        (#"{"site": "example.com/no-scheme"}"#, "/site"),
        (#"{"host": "-bad-.example"}"#, "/host"),
        (#"{"at": "25:00:00Z"}"#, "/at"),
        (#"{"labels": {"a": "1", "b": "2", "c": "3"}}"#, "/labels"),
        (#"{"labels": {"a": 1}}"#, "/labels/a"),
        (#"{"unknown": 1}"#, "/unknown"),
    ]

    static let alsoValid: [String] = [
        #"{"when": "2026-11-25T10:00:00Z", "day": "2024-02-29", "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}"#,
        #"{"price": 19.99, "note": null, "contact": {"phone": "+4930123"}, "flag": true}"#,
        #"{"code": "abc", "tag": "::1", "not_zero": 3, "both": 12, "site": "https://example.com/a?b=c", "host": "api.example.com"}"#,
        #"{"at": "23:59:60+01:00", "labels": {"a": "1"}, "customer": {"email": "a@example.com", "name": "Ann", "tier": "pro"}}"#,
        #"{"items": [{"sku": "ABC-1", "quantity": 2.0}, {"sku": "XYZ-22", "quantity": 99}]}"#,
    ]

    static func merged(_ overrides: String) -> JSONValue {
        var base = JSONValue(text: valid).object!
        for (key, value) in JSONValue(text: overrides).object! { base[key] = value }
        return .object(base)
    }

    @Test func validArgumentsPass() throws {
        let schema = try JSONSchema(Self.order)
        #expect(schema.validate(JSONValue(text: Self.valid)) == [])
        for case_ in Self.alsoValid {
            #expect(schema.validate(Self.merged(case_)) == [], "\(case_)")
        }
    }

    @Test(arguments: invalid) func invalidArgumentsNameTheirPath(_ overrides: String, _ path: String) throws {
        let violations = try JSONSchema(Self.order).validate(Self.merged(overrides))
        #expect(violations.first?.path == path, "\(overrides): \(violations)")
    }

    @Test func aMissingRequiredPropertyAndAWrongTopLevelTypeAreNamed() throws {
        let schema = try JSONSchema(Self.order)
        #expect(schema.validate(.object([:])).map(\.path) == ["/customer", "/items"])
        #expect(schema.validate(.array([])).first?.problem == "must be a value of type object, not array")
    }

    @Test func schemasThatPromiseUncheckedThingsAreRefused() {
        let cases: [(String, String)] = [
            (#"{"type": "object", "properties": {"a": {"type": "text"}}}"#, "/properties/a/type"),
            (#"{"type": "object", "properties": {"a": {"format": "credit-card"}}}"#, "/properties/a/format"),
            (#"{"type": "object", "properties": {"a": {"pattern": "("}}}"#, "/properties/a/pattern"),
            (##"{"type": "object", "properties": {"a": {"$ref": "https://example.com/schema"}}}"##, "/properties/a/$ref"),
            (##"{"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}"##, "/properties/a/$ref"),
            (#"{"type": "object", "if": {"type": "object"}}"#, "/if"),
            (#"{"type": "object", "required": "a"}"#, "/required"),
            (#"{"type": "object", "minLength": -1}"#, "/minLength"),
            (#"{"type": "object", "multipleOf": 0}"#, "/multipleOf"),
            (#"{"type": "object", "anyOf": []}"#, "/anyOf"),
            (#"{"type": "object", "properties": {"a": 5}}"#, "/properties/a"),
        ]
        for (text, path) in cases {
            #expect(throws: JSONSchema.SchemaError.self, "\(text)") { try JSONSchema(JSONValue(text: text)) }
            do {
                _ = try JSONSchema(JSONValue(text: text))
            } catch {
                #expect(error.path == path, "\(text): \(error)")
            }
        }
    }
}

/// Schemas and arguments that could crash or stall the process that validates them: counts past
/// every integer, `$ref` loops, applicators that multiply the work, long arrays for `uniqueItems`.
@Suite struct JSONSchemaBoundsTests {
    @Test func countsBeyondAnyArgumentAreRefusedWhenSaved() {
        for keyword in ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"] {
            for number in ["1e19", "1e308", "9223372036854775808", "-1", "1.5"] {
                let schema = JSONValue(text: #"{"type": "object", "\#(keyword)": \#(number)}"#)
                #expect(throws: JSONSchema.SchemaError.self, "\(keyword): \(number)") { try JSONSchema(schema) }
            }
            #expect(throws: Never.self) { try JSONSchema(JSONValue(text: #"{"type": "object", "\#(keyword)": 2147483647}"#)) }
        }
        // The largest accepted minimum is reported, not converted.
        let schema = try! JSONSchema(JSONValue(text: #"{"type": "object", "minProperties": 2147483647, "#
                                                     + #""properties": {"s": {"minLength": 2147483647}}}"#))
        let violations = schema.validate(JSONValue(text: #"{"s": "short"}"#))
        #expect(Set(violations.map(\.problem)) == ["must have at least 2147483647 properties", "must be at least 2147483647 characters long"])
    }

    @Test func referenceLoopsThatNeverDescendAreRefused() {
        for branches in 1...4 {
            let members = Array(repeating: ##"{"$ref": "#/$defs/a"}"##, count: branches).joined(separator: ", ")
            for applicator in ["anyOf", "oneOf", "allOf"] {
                let schema = JSONValue(text: ##"{"type": "object", "$defs": {"a": {"\##(applicator)": [\##(members)]}}, "##
                                             + ##""properties": {"x": {"$ref": "#/$defs/a"}}}"##)
                #expect(throws: JSONSchema.SchemaError.self, "\(applicator) × \(branches)") { try JSONSchema(schema) }
            }
        }
        // Through another definition and through `not`.
        let indirect = JSONValue(text: ##"{"type": "object", "$defs": {"a": {"not": {"$ref": "#/$defs/b"}}, "b": {"$ref": "#/$defs/a"}}}"##)
        #expect(throws: JSONSchema.SchemaError.self) { try JSONSchema(indirect) }
        // Recursion through properties descends into the arguments and is fine.
        let tree = JSONValue(text: ##"{"type": "object", "$defs": {"node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/node"}}}}, "##
                                   + ##""properties": {"root": {"$ref": "#/$defs/node"}}}"##)
        #expect(throws: Never.self) { try JSONSchema(tree) }
    }

    @Test func workThatMultipliesIsCutOffWithAViolation() throws {
        // Every level tries four branches that each descend: 4^depth subschemas for a deep argument.
        let branches = Array(repeating: ##"{"type": "object", "properties": {"a": {"$ref": "#/$defs/n"}}, "required": ["zz"]}"##, count: 4)
        let schema = try JSONSchema(JSONValue(text: ##"{"type": "object", "$defs": {"n": {"anyOf": [\##(branches.joined(separator: ", "))]}}, "##
                                                    + ##""properties": {"a": {"$ref": "#/$defs/n"}}}"##))
        var argument = "{}"
        for _ in 0..<30 { argument = #"{"a": \#(argument)}"# }
        let started = ContinuousClock.now
        let violations = schema.validate(JSONValue(text: argument))
        #expect(violations.count == 1)
        #expect(violations.first?.problem.contains("too costly") == true)
        #expect(ContinuousClock.now - started < .seconds(20), "bounded by the step budget, not by the schema")

        // Uniqueness is one step per item: long distinct arrays pass, duplicates are named, and only
        // arrays past the budget are too costly.
        let unique = try JSONSchema(JSONValue(text: #"{"type": "array", "uniqueItems": true}"#))
        #expect(unique.validate(.array((0..<20_000).map { .number(Double($0)) })).isEmpty)
        #expect(unique.validate(JSONValue(text: #"[1, {"a": 1, "b": [2]}, 3, {"b": [2], "a": 1.0}]"#)).first?.problem
                == "items 1 and 3 are equal; items must be unique")
        #expect(unique.validate(.array((0..<200_000).map { .number(Double($0)) })).first?.problem.contains("too costly") == true)
        #expect(unique.validate(.array([1, 2, 3])).isEmpty)
    }

    @Test func oversizedSchemasAreRefused() {
        let many = (0..<40).map { #"{"type": "string", "maxLength": \#($0)}"# }.joined(separator: ", ")
        #expect(throws: JSONSchema.SchemaError.self) { try JSONSchema(JSONValue(text: #"{"anyOf": [\#(many)]}"#)) }
        let properties = (0..<1_100).map { #""p\#($0)": {"type": "string"}"# }.joined(separator: ", ")
        #expect(throws: JSONSchema.SchemaError.self) { try JSONSchema(JSONValue(text: #"{"type": "object", "properties": {\#(properties)}}"#)) }
        for nested in [#"^(a+)+$"#, #"^(\w*x)*$"#, #"(a|aa)+(b*)*"#] {
            #expect(throws: JSONSchema.SchemaError.self, "\(nested)") {
                try JSONSchema(JSONValue.object(["type": "string", "pattern": .string(nested)]))
            }
        }
        #expect(throws: Never.self) { try JSONSchema(JSONValue.object(["type": "string", "pattern": #"^(\d{3}-)+\d{4}$"#])) }
        let pattern = String(repeating: "a", count: 1_001)
        #expect(throws: JSONSchema.SchemaError.self) { try JSONSchema(JSONValue(text: #"{"type": "string", "pattern": "\#(pattern)"}"#)) }
    }
}
