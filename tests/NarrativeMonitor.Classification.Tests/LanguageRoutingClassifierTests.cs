using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;
using Xunit;

namespace NarrativeMonitor.Classification.Tests;

public sealed class LanguageRoutingClassifierTests
{
    private static readonly ClaimDefinition Claim = new("c", "Troops are fighting in the province", "fighting in the province", [], []);

    [Theory]
    [InlineData("en", "Troops fought in the province", "english")]
    [InlineData("ru", "Войска сражались в области", "other")]
    [InlineData(null, "The troops were fighting in the province on Monday, officials said, and the fighting went on all week.", "english")]
    [InlineData(null, "Войска вели бои в области в понедельник, сообщили официальные лица, и бои продолжались всю неделю.", "other")]
    public void Articles_go_to_the_classifier_of_their_language(string? language, string body, string expected)
    {
        var english = new Recording("english");
        var other = new Recording("other");
        var router = new LanguageRoutingClassifier("en", english, other);

        var result = Assert.Single(router.Classify(new ArticleText("", body, language), router.Prepare([Claim])));

        Assert.Equal(expected, result.Evidence);
    }

    [Fact]
    public void The_model_option_loads_the_shipped_model_and_classifies()
    {
        var classifier = ClassificationServiceExtensions.CreateClassifier(ClassifierKind.Model);
        var claims = classifier.Prepare([Claim]);

        var results = classifier.Classify(new ArticleText("Weather", "Sunny skies are expected across the capital this weekend.", "en"), claims);

        Assert.Empty(results);
    }

    private sealed class Recording(string name) : IStanceClassifier
    {
        public IPreparedClaims Prepare(IReadOnlyList<ClaimDefinition> claims) => new Prepared(claims);

        public IReadOnlyList<StanceResult> Classify(ArticleText article, IPreparedClaims claims) =>
            [new StanceResult(claims.Claims[0].Id, Stance.Discusses, 1, name)];

        private sealed record Prepared(IReadOnlyList<ClaimDefinition> Claims) : IPreparedClaims;
    }
}
