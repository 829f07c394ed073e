import Foundation
import Providers
import Testing

/// SigV4 against the signed example in Amazon S3's documentation (GET /test.txt with a Range header).
struct SigV4Tests {
    @Test func theDocumentedS3ExampleSignsToItsPublishedSignature() {
        let signer = SigV4(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let headers = signer.sign(method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
                                  payload: Data(), date: Date(timeIntervalSince1970: 1_369_353_600))
        let authorization = headers.first(where: { $0.0 == "Authorization" })?.1
        #expect(authorization == """
            AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
            SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
            Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
            """)
        #expect(headers.first(where: { $0.0 == "x-amz-date" })?.1 == "20130524T000000Z")
    }
}
