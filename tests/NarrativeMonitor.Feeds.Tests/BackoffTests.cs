using NarrativeMonitor.ServiceDefaults;
namespace NarrativeMonitor.Ingest.Feeds.Tests;

public sealed class JitteredBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(5, 480)]
    [InlineData(6, 600)]
    [InlineData(1000, 600)]
    public void The_ceiling_doubles_with_each_failure_up_to_the_maximum(int failures, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), new JitteredBackoff(Base, Max).Ceiling(failures));
    }

    [Fact]
    public void Delays_are_jittered_within_half_the_ceiling_and_the_ceiling_and_never_shrink_from_one_failure_to_the_next()
    {
        var backoff = new JitteredBackoff(Base, Max, new Random(7));
        for (var failures = 1; failures <= 8; failures++)
        {
            var ceiling = backoff.Ceiling(failures);
            var delays = Enumerable.Range(0, 500).Select(_ => backoff.Delay(failures)).ToList();

            Assert.All(delays, delay => Assert.InRange(delay, ceiling / 2, ceiling));
            // Jitter: the draws spread over the range rather than sitting on one value.
            Assert.True(delays.Distinct().Count() > 400);
            Assert.True(delays.Max() - delays.Min() > ceiling / 4);
            if (failures > 1)
            {
                Assert.True(backoff.Ceiling(failures) / 2 >= backoff.Ceiling(failures - 1) || backoff.Ceiling(failures) == Max);
            }
        }
    }

    [Fact]
    public void Retry_after_is_a_floor_within_the_maximum()
    {
        var backoff = new JitteredBackoff(Base, Max, new Random(1));

        Assert.Equal(TimeSpan.FromMinutes(5), backoff.Delay(1, TimeSpan.FromMinutes(5)));
        Assert.Equal(Max, backoff.Delay(1, TimeSpan.FromHours(3)));
        Assert.InRange(backoff.Delay(1, TimeSpan.FromSeconds(1)), Base / 2, Base);
    }
}

public sealed class FeedValidatorTests
{
    [Theory]
    [InlineData("https://t.me/rian_ru", "rian_ru")]
    [InlineData("https://t.me/s/rian_ru", "rian_ru")]
    [InlineData("http://telegram.me/s/rian_ru/", "rian_ru")]
    [InlineData("@rian_ru", "rian_ru")]
    [InlineData("https://t.me/rian_ru/101", null)]
    [InlineData("https://t.me/joinchat/abcdef", null)]
    [InlineData("https://example.org/rian_ru", null)]
    [InlineData("@ab", null)]
    public void Telegram_channels_are_recognized_from_links_and_handles(string url, string? channel)
    {
        Assert.Equal(channel, FeedValidator.TelegramChannel(url));
    }
}
