import NIOSSL

/// Whether a TLS error is the settings' fault (a certificate refused, a name that does not match,
/// files that do not load, a handshake the two sides cannot agree on) and will fail the same way
/// on every attempt, or a connection that merely ended (a reset or restart mid-handshake, a close
/// without close_notify), which a retry may get past.
enum TLSRefusal {
    static func isSettingsProblem(_ error: any Error) -> Bool {
        if error is NIOSSLExtraError { return true }
        guard let error = error as? NIOSSLError else { return false }
        switch error {
        case .handshakeFailed(let reason):
            return !String(describing: reason).contains("EOF during handshake")
        case .failedToLoadCertificate, .failedToLoadPrivateKey, .noSuchFilesystemObject, .unableToValidateCertificate,
             .cannotMatchULabel, .noCertificateToValidate:
            return true
        default:
            return false
        }
    }
}
