using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary>
/// <c>Sample:StartsPerMinute</c> over Kestrel: the limit follows the endpoints routing matched, so every spelling routing
/// accepts counts (routing ignores letter case) and reads are never limited.
/// </summary>
public sealed class StartRateLimitTests
{
    private static readonly object Request = new { prompt = "A task tracker", entities = new[] { "Task" } };

    [Theory]
    [InlineData("/generations")]
    [InlineData("/Generations")]
    [InlineData("/GENERATIONS")]
    public async Task Start_PastTheLimitInAnyLetterCase_Answers429WithRetryAfter(string path)
    {
        await using var server = await SampleServer.StartAsync(settings: "--Sample:StartsPerMinute=2");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsJsonAsync(path, Request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter.Should().NotBeNull();
            }
        }

        statuses.Should().Equal(HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task IterateAndRetry_InAnotherLetterCase_CountAgainstTheSameLimit()
    {
        await using var server = await SampleServer.StartAsync(settings: "--Sample:StartsPerMinute=1");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var first = await client.PostAsJsonAsync("/generations", Request);
        first.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var id = (await first.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["generation_id"].ToString();

        using var iterate = await client.PostAsJsonAsync("/Generations/iterate", new { parent_generation_id = id, modification_prompt = "More" });
        using var retry = await client.PostAsync($"/GENERATIONS/{id}/retry", content: null);

        iterate.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        retry.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Reads_PastTheStartLimit_AreNotLimited()
    {
        await using var server = await SampleServer.StartAsync(settings: "--Sample:StartsPerMinute=1");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var started = await client.PostAsJsonAsync("/generations", Request);
        using var refused = await client.PostAsJsonAsync("/Generations", Request);
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);

        using var snapshot = await client.GetAsync($"/GENERATIONS/{Guid.NewGuid()}");

        snapshot.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a read is answered by its endpoint, not by the start limiter");
    }
}
