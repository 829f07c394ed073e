import Audio
import Testing

@Suite struct SentenceSplitterTests {
    /// Tokens as a model streams them: each sentence comes out once it is complete, abbreviations
    /// and numbers do not cut one, and the rest comes with `finish`.
    @Test func cutsAStreamedReplyIntoSentences() {
        var splitter = SentenceSplitter()
        let tokens = ["Dr", ". Weber", " sees", " you at", " 3", ".", "30 today", ". Is", " that", " fine?",
                      " I can", " also", " offer", " 4 p.m", "."]
        var sentences: [String] = []
        for token in tokens { sentences += splitter.add(token) }
        #expect(sentences == ["Dr. Weber sees you at 3.30 today.", "Is that fine?"])
        #expect(splitter.finish() == "I can also offer 4 p.m.")
        #expect(splitter.finish() == nil)
    }

    @Test func lineBreaksAndLongClausesEndAPiece() {
        var splitter = SentenceSplitter()
        #expect(splitter.add("First line\nsecond") == ["First line"])
        let long = String(repeating: "word ", count: 30) + "and more, " + String(repeating: "again ", count: 10)
        let pieces = splitter.add(long)
        #expect(pieces.count == 1 && pieces[0].hasSuffix("and more,"), "\(pieces)")
    }
}
