using System.Text.Json;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Ingest.NearDuplicates;
using Xunit.Abstractions;

namespace NarrativeMonitor.Ingest.Tests;

/// <summary>Texts for near-duplicate tests: wire stories, their syndicated copies, and near misses.</summary>
internal static class WireTexts
{
    public const string Kursk = """
        North Korean troops have begun fighting alongside Russian forces in the Kursk region, a senior US official said on
        Monday, citing intelligence that several hundred soldiers were killed or wounded in the first week of combat.

        The official, who spoke on condition of anonymity, said the troops had been integrated into Russian airborne and
        marine units and were taking part in assaults on Ukrainian positions near the town of Sudzha.

        Kyiv's military intelligence said earlier that about 11,000 North Korean soldiers had arrived in the region in
        November after training at ranges in Russia's Far East. The Kremlin has declined to comment on the reports.
        """;

    public const string Chlorine = """
        A fire at the Tarsel chemical plant on Sunday night released a cloud of chlorine gas that drifted over the
        northern districts of the city, forcing hundreds of residents to shelter indoors, the regional emergency service
        said. Forty-one people were taken to hospital with breathing difficulties and eye irritation, and two remained in
        intensive care on Monday. The plant's operator said the fire had been contained within three hours and that the
        leak had been stopped, but independent monitors reported chlorine readings above the safety limit until morning.
        """;

    public const string KurskRussian = """
        Северокорейские военные начали участвовать в боях на стороне российских войск в Курской области, заявил в
        понедельник высокопоставленный американский чиновник, сославшись на разведданные о нескольких сотнях убитых и
        раненых за первую неделю боев. По его словам, военные включены в состав российских десантных подразделений и
        морской пехоты и участвуют в штурме украинских позиций у Суджи. В Кремле отказались от комментариев.
        """;

    public const string KurskUkrainian = """
        Північнокорейські військові почали брати участь у боях на боці російських військ у Курській області, заявив у
        понеділок високопосадовець США, пославшись на розвідувальні дані про кілька сотень убитих і поранених за перший
        тиждень боїв. За його словами, військових включили до складу російських десантних підрозділів і морської піхоти,
        вони беруть участь у штурмах українських позицій біля Суджі. У Кремлі від коментарів відмовилися.
        """;

    /// <summary>A different story on the same topic.</summary>
    public const string KurskOtherStory = """
        Ukrainian forces repelled several Russian assaults near Sudzha overnight, the general staff in Kyiv said on
        Tuesday, as heavy fighting continued across the part of the Kursk region that Ukraine has held since August.
        Russian drones struck a fuel depot in the Sumy region, and officials there ordered the evacuation of two more
        villages close to the border. Moscow says its troops have recaptured more than half of the territory.
        """;

    /// <summary>A follow-up story that reuses one paragraph of <see cref="Kursk"/>.</summary>
    public const string KurskFollowUp = """
        South Korea's intelligence service said on Wednesday that North Korea was preparing to send additional troops and
        artillery to Russia, and that Pyongyang had received air-defence equipment and oil in return for its support.

        Kyiv's military intelligence said earlier that about 11,000 North Korean soldiers had arrived in the region in
        November after training at ranges in Russia's Far East. The Kremlin has declined to comment on the reports.

        Lawmakers in Seoul were told that the losses among North Korean units were high because the soldiers were
        unfamiliar with drone warfare and had been sent forward across open fields, the agency said in a closed briefing.
        """;
}

public sealed class NearDuplicateDetectorTests
{
    private readonly ManualTimeProvider _clock = new(Samples.Now);
    private readonly NearDuplicateDetector _detector;

    public NearDuplicateDetectorTests()
    {
        var options = Options.Create(new IngestOptions());
        _detector = new NearDuplicateDetector(new InMemoryNearDuplicateStore(_clock, options), options);
    }

    private static NormalizedArticle Article(string id, string sourceId, string body, SourceKind kind = SourceKind.Wire) => new()
    {
        Id = id,
        SourceId = sourceId,
        SourceKind = kind,
        Url = $"https://{sourceId}.example/{id}",
        PublishedAt = Samples.Now,
        Title = "headline " + id,
        Body = TextNormalizer.NormalizeBody(body),
        ContentHash = id,
    };

    private async Task<NearDuplicateMatch?> CopyOf(string original, string copy)
    {
        Assert.Null((await _detector.FindAndIndexAsync(Article("orig", "reuters", original))).Match);
        return (await _detector.FindAndIndexAsync(Article("copy", "bbc", copy, SourceKind.Independent))).Match;
    }

    [Fact]
    public async Task The_same_wire_text_under_another_headline_and_layout_is_a_near_duplicate()
    {
        var match = await CopyOf(WireTexts.Kursk, "LONDON (Reuters) — " + WireTexts.Kursk.Replace("\n\n", "\n").ToUpperInvariant());
        Assert.NotNull(match);
        Assert.Equal(("orig", "reuters", SourceKind.Wire), (match.ArticleId, match.SourceId, match.SourceKind));
        Assert.True(match.Similarity >= 0.8, $"similarity {match.Similarity}");
    }

    [Fact]
    public async Task A_copy_with_a_few_words_edited_is_a_near_duplicate()
    {
        var edited = WireTexts.Kursk.Replace("senior US official", "senior American official").Replace("several hundred", "hundreds of")
            .Replace("declined to comment", "refused to comment");
        Assert.NotNull(await CopyOf(WireTexts.Kursk, edited));
    }

    [Fact]
    public async Task A_copy_with_a_paragraph_appended_is_a_near_duplicate()
    {
        var appended = WireTexts.Chlorine + "\n\nThe city council will hold an emergency session on Tuesday to discuss compensation for the affected families.";
        Assert.NotNull(await CopyOf(WireTexts.Chlorine, appended));
    }

    [Fact]
    public async Task Russian_and_ukrainian_copies_with_edits_are_near_duplicates()
    {
        Assert.NotNull(await CopyOf(WireTexts.KurskRussian, WireTexts.KurskRussian.Replace("высокопоставленный", "один").Replace("отказались от комментариев", "ситуацию не прокомментировали")));
        Assert.NotNull(await new NearDuplicateDetectorTests().CopyOf(WireTexts.KurskUkrainian, WireTexts.KurskUkrainian + " Про це повідомляє агенція."));
    }

    [Fact]
    public async Task Another_story_on_the_same_topic_is_not()
    {
        Assert.Null(await CopyOf(WireTexts.Kursk, WireTexts.KurskOtherStory));
    }

    [Fact]
    public async Task A_follow_up_that_reuses_one_paragraph_is_not()
    {
        Assert.Null(await CopyOf(WireTexts.Kursk, WireTexts.KurskFollowUp));
    }

    [Fact]
    public async Task A_translation_is_not()
    {
        Assert.Null(await CopyOf(WireTexts.KurskRussian, WireTexts.KurskUkrainian));
    }

    [Fact]
    public async Task A_copy_of_a_copy_links_to_the_first_original()
    {
        await _detector.FindAndIndexAsync(Article("ap-1", "ap", WireTexts.Kursk));
        var first = await _detector.FindAndIndexAsync(Article("bbc-1", "bbc", WireTexts.Kursk + " (AP)", SourceKind.Independent));
        var second = await _detector.FindAndIndexAsync(Article("dw-1", "dw", WireTexts.Kursk + " (AP, BBC)", SourceKind.Independent));

        Assert.Equal("ap-1", first.Match?.ArticleId);
        Assert.Equal(("ap-1", "ap"), (second.Match?.ArticleId, second.Match?.SourceId));
    }

    [Fact]
    public async Task An_article_is_never_its_own_near_duplicate_and_a_removed_one_is_forgotten()
    {
        var indexed = await _detector.FindAndIndexAsync(Article("ap-1", "ap", WireTexts.Kursk));
        Assert.Null((await _detector.FindAndIndexAsync(Article("ap-1", "ap", WireTexts.Kursk))).Match);

        await _detector.RemoveAsync(indexed);

        Assert.Null((await _detector.FindAndIndexAsync(Article("bbc-1", "bbc", WireTexts.Kursk))).Match);
    }

    [Fact]
    public async Task Bodies_too_short_to_compare_are_neither_matched_nor_indexed()
    {
        var result = await _detector.FindAndIndexAsync(Article("a1", "ap", "Fighting continues in Kursk."));
        Assert.Null(result.Match);
        Assert.Empty(result.BandTokens);
        Assert.Null(MinHashSignature.Compute("one two three four five six seven eight nine ten eleven"));
    }

    [Fact]
    public void Signatures_are_stable_across_processes_and_round_trip_through_bytes()
    {
        var signature = MinHashSignature.Compute(WireTexts.Kursk)!;
        Assert.Equal(signature.Values.ToArray(), MinHashSignature.FromBytes(signature.ToBytes()).Values.ToArray());
        // Pinned: a change of hashing would orphan every signature stored in Redis.
        Assert.Equal("0:", signature.BandTokens()[0][..2]);
        Assert.Equal(MinHashSignature.Bands, signature.BandTokens().Distinct().Count());
        Assert.Equal(1.0, signature.Similarity(MinHashSignature.Compute(WireTexts.Kursk.Replace("\n", " "))!));
    }
}

/// <summary>
/// Precision and recall of near-duplicate detection on pairs built from the sample corpora and the texts above: copies
/// with a changed headline, edited words, an appended or dropped paragraph, a dateline; and near misses: other articles
/// on the same topic, follow-ups that reuse one passage, translations. Printed; asserted only above a sane floor.
/// Run: dotnet test tests/NarrativeMonitor.Ingest.Tests --filter NearDuplicateEvaluationTests --logger "console;verbosity=detailed"
/// </summary>
public sealed class NearDuplicateEvaluationTests(ITestOutputHelper output)
{
    private static readonly string[] Replacements = ["reportedly", "officials", "Monday", "region", "forces", "said", "сообщили", "области"];

    [Fact]
    public async Task Precision_and_recall_on_generated_pairs()
    {
        var pairs = BuildPairs();
        Assert.True(pairs.Count >= 40, $"only {pairs.Count} pairs");
        int truePositives = 0, falsePositives = 0, falseNegatives = 0, trueNegatives = 0;
        double lowestCopy = 1, highestMiss = 0;
        var linkedByKind = new SortedDictionary<string, (int Linked, int Total)>(StringComparer.Ordinal);
        foreach (var (kind, original, copy, isCopy) in pairs)
        {
            var options = Options.Create(new IngestOptions());
            var detector = new NearDuplicateDetector(new InMemoryNearDuplicateStore(TimeProvider.System, options), options);
            await detector.FindAndIndexAsync(Article("a", original));
            var match = (await detector.FindAndIndexAsync(Article("b", copy))).Match;
            var similarity = MinHashSignature.Compute(original)!.Similarity(MinHashSignature.Compute(copy)!);
            var (linked, total) = linkedByKind.GetValueOrDefault(kind);
            linkedByKind[kind] = (linked + (match is null ? 0 : 1), total + 1);
            (lowestCopy, highestMiss) = isCopy ? (Math.Min(lowestCopy, similarity), highestMiss) : (lowestCopy, Math.Max(highestMiss, similarity));
            switch (isCopy, match is not null)
            {
                case (true, true): truePositives++; break;
                case (true, false): falseNegatives++; break;
                case (false, true): falsePositives++; output.WriteLine($"false hit {kind}: similarity {similarity:F2}"); break;
                default: trueNegatives++; break;
            }
        }

        var precision = (double)truePositives / Math.Max(1, truePositives + falsePositives);
        var recall = (double)truePositives / Math.Max(1, truePositives + falseNegatives);
        output.WriteLine($"{pairs.Count} pairs ({pairs.Count(p => p.IsCopy)} copies, {pairs.Count(p => !p.IsCopy)} near misses): " +
            $"TP {truePositives}, FP {falsePositives}, FN {falseNegatives}, TN {trueNegatives}; precision {precision:F3}, recall {recall:F3}; " +
            $"estimated similarity: lowest copy {lowestCopy:F2}, highest near miss {highestMiss:F2}");
        foreach (var (kind, (linked, total)) in linkedByKind)
        {
            output.WriteLine($"  {kind}: {linked} of {total} linked");
        }

        Assert.True(precision >= 0.9, $"precision {precision:F3}");
        Assert.True(recall >= 0.7, $"recall {recall:F3}");
    }

    [Fact]
    public async Task The_sample_corpora_hold_no_near_duplicates()
    {
        // Their expected alerts count every confirming source separately, so none may be linked to another.
        var options = Options.Create(new IngestOptions());
        var detector = new NearDuplicateDetector(new InMemoryNearDuplicateStore(TimeProvider.System, options), options);
        var linked = new List<string>();
        foreach (var (id, body) in SampleBodies())
        {
            if ((await detector.FindAndIndexAsync(Article(id, body))).Match is { } match)
            {
                linked.Add($"{id} -> {match.ArticleId} ({match.Similarity})");
            }
        }

        Assert.Empty(linked);
    }

    private static NormalizedArticle Article(string id, string body) => new()
    {
        Id = id,
        SourceId = "s-" + id,
        SourceKind = SourceKind.Wire,
        Url = "https://example.org/" + id,
        PublishedAt = Samples.Now,
        Title = id,
        Body = body,
        ContentHash = id,
    };

    private static List<(string Kind, string Original, string Copy, bool IsCopy)> BuildPairs()
    {
        var random = new Random(20241218);
        var bodies = SampleBodies().Select(b => b.Body).ToList();
        bodies.AddRange([WireTexts.Kursk, WireTexts.Chlorine, WireTexts.KurskRussian, WireTexts.KurskUkrainian, WireTexts.KurskOtherStory]);
        var pairs = new List<(string, string, string, bool)>();
        for (var i = 0; i < bodies.Count; i++)
        {
            var body = bodies[i];
            var sentences = Sentences(body);
            // Copies: one kind per body, in turn.
            switch (i % 5)
            {
                case 0:
                    pairs.Add(("dateline and layout", body, "MOSCOW, Dec 18 (Reuters) - " + body.Replace("\n", " ").Replace("  ", " "), true));
                    break;
                case 1:
                    pairs.Add(("three words edited", body, EditWords(body, 3, random), true));
                    break;
                case 2:
                    pairs.Add(("paragraph appended", body, body + "\n\n" + Sentences(bodies[(i + 7) % bodies.Count])[0], true));
                    break;
                case 3:
                    pairs.Add(("last sentence dropped, two words edited", body,
                        EditWords(string.Join(' ', sentences.Count > 3 ? sentences.Take(sentences.Count - 1) : sentences), 2, random), true));
                    break;
                default:
                    pairs.Add(("sentence appended and one word edited", body, EditWords(body, 1, random) + " " + Sentences(bodies[(i + 3) % bodies.Count])[^1], true));
                    break;
            }

            if (i % 3 == 0)
            {
                // Heavier editing, still the same text: where recall gives way first.
                pairs.Add(("six words edited and a sentence appended", body,
                    EditWords(body, 6, random) + " " + Sentences(bodies[(i + 13) % bodies.Count])[0], true));
            }

            // Near misses: the next article (often the same topic), and a follow-up reusing one of this body's sentences.
            var other = bodies[(i + 1) % bodies.Count];
            pairs.Add(("another article", body, other, false));
            if (i % 2 == 0)
            {
                var followUp = string.Join(' ', Sentences(bodies[(i + 5) % bodies.Count]).Concat(Sentences(bodies[(i + 11) % bodies.Count]))) +
                    "\n\n" + sentences[random.Next(sentences.Count)];
                pairs.Add(("follow-up reusing one sentence", body, followUp, false));
            }
        }

        pairs.Add(("follow-up reusing one paragraph", WireTexts.Kursk, WireTexts.KurskFollowUp, false));
        pairs.Add(("translation", WireTexts.KurskRussian, WireTexts.KurskUkrainian, false));
        return pairs;
    }

    private static string EditWords(string text, int count, Random random)
    {
        var words = text.Split(' ');
        for (var k = 0; k < count; k++)
        {
            var at = random.Next(words.Length);
            words[at] = Replacements[random.Next(Replacements.Length)];
        }

        return string.Join(' ', words);
    }

    private static List<string> Sentences(string text) =>
        text.Split(['.', '!', '?'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => s.Length > 0).Select(s => s + ".").ToList();

    internal static IEnumerable<(string Id, string Body)> SampleBodies()
    {
        foreach (var corpus in new[] { "kursk-2024", "tarsel-chlorine-2025" })
        {
            foreach (var line in File.ReadLines(Path.Combine(RepositoryPaths.Samples, corpus, "articles.jsonl")).Where(l => !string.IsNullOrWhiteSpace(l)))
            {
                var article = JsonDocument.Parse(line).RootElement;
                yield return (article.GetProperty("id").GetString()!, TextNormalizer.NormalizeBody(article.GetProperty("body").GetString()));
            }
        }
    }
}
