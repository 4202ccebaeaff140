using NarrativeMonitor.Classifier;
using NarrativeMonitor.Classifier.Text;

namespace NarrativeMonitor.Classification.Tests;

public sealed class TextAnalysisTests
{
    [Fact]
    public void Splitter_keeps_abbreviations_and_initials_inside_sentences()
    {
        var sentences = SentenceSplitter.Split(
            "U.S. officials said Gen. J. Smith met them on Dec. 3. The Kremlin declined to comment! Why?\nNew line here");
        Assert.Equal(
            ["U.S. officials said Gen. J. Smith met them on Dec. 3.", "The Kremlin declined to comment!", "Why?", "New line here"],
            sentences);
    }

    [Fact]
    public void Splitter_handles_quotes_decimals_and_russian()
    {
        var sentences = SentenceSplitter.Split(
            "\"We have nothing to say.\" Peskov said 2.5 times more. В 2024 г. войска вошли в Суджу. «Это фейк», — заявила она.");
        Assert.Equal(
            ["\"We have nothing to say.\"", "Peskov said 2.5 times more.", "В 2024 г. войска вошли в Суджу.", "«Это фейк», — заявила она."],
            sentences);
    }

    [Fact]
    public void Tokenizer_lowercases_any_script_and_splits_on_punctuation()
    {
        Assert.Equal(["северокорейские", "военные", "в", "курской", "области", "dprk", "s", "so", "called", "2024"],
            Tokenizer.Tokenize("Северокорейские военные в Курской области; DPRK's so-called 2024"));
        Assert.Equal(["елка"], Tokenizer.Tokenize("Ёлка"));
    }

    [Theory]
    [InlineData("troops", "troop")]
    [InlineData("forces", "forced")]
    [InlineData("fighting", "fights")]
    [InlineData("курской", "курск")]
    [InlineData("курске", "курская")]
    [InlineData("северокорейских", "северокорейские")]
    [InlineData("суджи", "суджа")]
    public void Normalizer_brings_inflected_forms_together(string a, string b)
    {
        Assert.Equal(Normalizer.Normalize(a), Normalizer.Normalize(b));
    }

    [Fact]
    public void Stop_words_cover_both_languages()
    {
        Assert.True(StopWords.Contains("the"));
        Assert.True(StopWords.Contains("что"));
        Assert.False(StopWords.Contains("troops"));
    }

    [Fact]
    public void Cue_lists_are_not_empty()
    {
        Assert.NotEmpty(StanceCues.Denial);
        Assert.NotEmpty(StanceCues.Deflection);
        Assert.NotEmpty(StanceCues.Hedging);
    }
}
