import Foundation
import ServerSupport

/// Chooses the `AWSCredentialProvider.Source` from the environment (the order is documented on
/// `AWSCredentialProvider`); a source named half-way (a key without its secret, a profile that is
/// not there, a container URL that is neither loopback nor HTTPS) is a startup error.
public enum AWSCredentialChain {
    public static func source(_ environment: Environment, keys: (id: String, secret: String)? = nil) throws -> AWSCredentialProvider.Source {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let keys, let fixed = try pair(value(keys.id), value(keys.secret), names: keys, token: nil) {
            return .fixed(fixed)
        }
        if let fixed = try pair(value("AWS_ACCESS_KEY_ID"), value("AWS_SECRET_ACCESS_KEY"),
                                names: ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), token: value("AWS_SESSION_TOKEN")) {
            return .fixed(fixed)
        }
        if let tokenFile = value("AWS_WEB_IDENTITY_TOKEN_FILE") {
            guard let role = value("AWS_ROLE_ARN") else {
                throw ConfigurationError("AWS_ROLE_ARN", "is required with AWS_WEB_IDENTITY_TOKEN_FILE: the role the token is exchanged for")
            }
            let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION")
            let endpoint = value("AWS_ENDPOINT_URL_STS") ?? value("AWS_ENDPOINT_URL")
                ?? region.map { "https://sts.\($0).amazonaws.com" } ?? "https://sts.amazonaws.com"
            return .webIdentity(roleARN: role, tokenFile: tokenFile,
                                sessionName: value("AWS_ROLE_SESSION_NAME") ?? "voicepartner-\(ProcessInfo.processInfo.processIdentifier)",
                                stsEndpoint: endpoint)
        }
        let home = value("HOME") ?? NSHomeDirectory()
        let profile = value("AWS_PROFILE") ?? "default"
        for (file, section) in [(value("AWS_SHARED_CREDENTIALS_FILE") ?? "\(home)/.aws/credentials", profile),
                                (value("AWS_CONFIG_FILE") ?? "\(home)/.aws/config", profile == "default" ? "default" : "profile \(profile)")] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                  let entries = sharedProfile(text, section: section) else { continue }
            guard let fixed = try pair(entries["aws_access_key_id"], entries["aws_secret_access_key"],
                                       names: ("aws_access_key_id in \(file) [\(section)]", "aws_secret_access_key"),
                                       token: entries["aws_session_token"]) else {
                throw ConfigurationError("AWS_PROFILE",
                                         "profile \(profile) in \(file) has no aws_access_key_id; only static keys are read from profiles")
            }
            return .fixed(fixed)
        }
        if value("AWS_PROFILE") != nil {
            throw ConfigurationError("AWS_PROFILE", "profile \(profile) is in neither the credentials nor the config file")
        }
        let token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN"), tokenFile = value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            return .container(url: "http://169.254.170.2\(relative)", token: token, tokenFile: tokenFile)
        }
        if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            guard let url = URL(string: full), let host = url.host, url.scheme == "https" || (url.scheme == "http" && containerHosts(host)) else {
                throw ConfigurationError("AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                         "must be https, or http to a loopback address or the container agent (169.254.170.2, 169.254.170.23)")
            }
            return .container(url: full, token: token, tokenFile: tokenFile)
        }
        guard value("AWS_EC2_METADATA_DISABLED")?.lowercased() != "true" else {
            let named = keys.map { "\($0.id) and \($0.secret), " } ?? ""
            throw ConfigurationError(keys?.id ?? "AWS_ACCESS_KEY_ID",
                                     "no AWS credentials: set \(named)AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a web identity, "
                                     + "a profile or a container endpoint (the instance metadata service is disabled)")
        }
        return .instanceMetadata(endpoint: value("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? "http://169.254.169.254")
    }

    /// Both halves of a key or neither.
    static func pair(_ id: String?, _ secret: String?, names: (id: String, secret: String), token: String?) throws -> AWSCredentials? {
        switch (id, secret) {
        case (nil, nil): return nil
        case let (id?, secret?): return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
        case (nil, _?): throw ConfigurationError(names.id, "is required with \(names.secret)")
        case (_?, nil): throw ConfigurationError(names.secret, "is required with \(names.id)")
        }
    }

    /// The SDKs allow plain HTTP to the container endpoint only on the host itself or the agent's link-local addresses.
    static func containerHosts(_ host: String) -> Bool {
        ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]", "localhost", "::1", "[::1]"].contains(host)
            || host.hasPrefix("127.")
    }

    /// The `key = value` lines of one `[section]` of an AWS shared file; nil when it has no such section.
    static func sharedProfile(_ text: String, section: String) -> [String: String]? {
        var current: String?
        var entries: [String: String]?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if current == section, entries == nil { entries = [:] }
                continue
            }
            guard current == section, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            entries?[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return entries
    }
}
