using System.ClientModel;
using System.Globalization;
using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.Generation;

/// <summary>
/// The wait a model asks for with a 429 or 5xx (<c>Retry-After</c>, <c>retry-after-ms</c>), read from the answer the
/// OpenAI client's exception carries, passed to the engine on the <see cref="TransientGenerationException"/>.
/// </summary>
public sealed class RetryAfterTests
{
    // Whole seconds, as HTTP dates are.
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData(" 120 ", 120)]
    [InlineData("86400", 86_400)]
    public void Parse_Seconds_IsThatWait(string value, int seconds)
    {
        RetryAfterHeader.Parse(value, Now).Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void Parse_HttpDate_IsTheTimeUntilIt()
    {
        var value = Now.AddSeconds(30).ToString("r", CultureInfo.InvariantCulture);

        RetryAfterHeader.Parse(value, Now).Should().Be(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Parse_HttpDateInThePast_IsNoWait()
    {
        var value = Now.AddMinutes(-5).ToString("r", CultureInfo.InvariantCulture);

        RetryAfterHeader.Parse(value, Now).Should().Be(TimeSpan.Zero);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("7 seconds")]
    [InlineData("99999999999999999999")]
    [InlineData("Sun, 32 Foo 2026 99:00:00 GMT")]
    [InlineData("0x10")]
    [InlineData("7\r\nSet-Cookie: a=b")]
    public void Parse_AbsentOrGarbage_IsNoValue(string? value)
    {
        RetryAfterHeader.Parse(value, Now).Should().BeNull();
    }

    [Fact]
    public void Parse_Oversized_IsNoValue()
    {
        RetryAfterHeader.Parse(new string('1', RetryAfterHeader.MaxValueLength + 1), Now).Should().BeNull();
    }

    [Theory]
    [InlineData("1500", 1_500)]
    [InlineData("20.5", 20.5)]
    [InlineData("0", 0)]
    public void ParseMilliseconds_Number_IsThatWait(string value, double milliseconds)
    {
        RetryAfterHeader.ParseMilliseconds(value).Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e3")]
    [InlineData("1,5")]
    [InlineData("99999999999999")]
    public void ParseMilliseconds_AbsentOrGarbage_IsNoValue(string? value)
    {
        RetryAfterHeader.ParseMilliseconds(value).Should().BeNull();
    }

    [Fact]
    public async Task GenerateAsync_OpenAIClientGets503WithRetryAfterSeconds_PassesTheWait()
    {
        var failure = await TransientThroughOpenAIAsync(503, _ => new() { ["Retry-After"] = "7" });

        (failure.Message, failure.RetryAfter).Should().Be(("Model unavailable (HTTP 503)", TimeSpan.FromSeconds(7)));
    }

    [Fact]
    public async Task GenerateAsync_OpenAIClientGets429WithRetryAfterDate_PassesTheTimeUntilIt()
    {
        var failure = await TransientThroughOpenAIAsync(429, now => new() { ["Retry-After"] = now.AddSeconds(30).ToString("r", CultureInfo.InvariantCulture) });

        (failure.Message, failure.RetryAfter).Should().Be(("Model rate-limited (HTTP 429)", TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task GenerateAsync_OpenAIClientGetsRetryAfterMs_PrefersIt()
    {
        var failure = await TransientThroughOpenAIAsync(429, _ => new() { ["retry-after-ms"] = "1500", ["Retry-After"] = "2" });

        failure.RetryAfter.Should().Be(TimeSpan.FromMilliseconds(1_500));
    }

    [Fact]
    public async Task GenerateAsync_OpenAIClientGets503WithoutRetryAfter_PassesNoWait()
    {
        var failure = await TransientThroughOpenAIAsync(503, _ => []);

        (failure.Message, failure.RetryAfter).Should().Be(("Model unavailable (HTTP 503)", (TimeSpan?)null));
    }

    [Fact]
    public async Task GenerateAsync_OpenAIClientGetsGarbageRetryAfter_PassesNoWait()
    {
        var failure = await TransientThroughOpenAIAsync(503, _ => new() { ["Retry-After"] = "whenever", ["retry-after-ms"] = "-3" });

        failure.RetryAfter.Should().BeNull();
    }

    [Fact]
    public async Task GenerateAsync_OpenAIClientGets400WithRetryAfter_FailsWithoutRetry()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(new OpenAIAnswer.Fail(400, "{\"error\": {\"message\": \"context_length_exceeded\"}}") { Headers = new Dictionary<string, string> { ["Retry-After"] = "7" } });
        using var chatClient = server.CreateChatClient();
        await using var harness = new GeneratorHarness(chatClient: chatClient);

        var act = () => harness.RunPhaseAsync();

        (await act.Should().ThrowAsync<GenerationFailedException>()).Which.Message.Should().StartWith("The model endpoint answered HTTP 400 (Bad Request) in phase 1");
    }

    /// <summary>One phase through Microsoft.Extensions.AI.OpenAI to the fake endpoint on 127.0.0.1, answered with an error.</summary>
    private static async Task<TransientGenerationException> TransientThroughOpenAIAsync(int status, Func<DateTimeOffset, Dictionary<string, string>> headers)
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var chatClient = server.CreateChatClient();
        await using var harness = new GeneratorHarness(chatClient: chatClient, clock: new FakeTimeProvider(Now));
        server.Enqueue(new OpenAIAnswer.Fail(status, "{\"error\": {\"message\": \"busy\"}}") { Headers = headers(harness.Clock.GetUtcNow()) });

        var act = () => harness.RunPhaseAsync();

        var failure = (await act.Should().ThrowAsync<TransientGenerationException>()).Which;
        failure.InnerException!.InnerException.Should().BeOfType<ClientResultException>("the OpenAI client's exception carries the answer the wait is read from");
        return failure;
    }
}
