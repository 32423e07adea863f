using System.Net;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Tests.Generation;

public sealed class ModelFailureTests
{
    private const string Secret = "sk-live-0123456789abcdef";
    private const string LeakyMessage = $"Service request failed. POST https://api.example.test/v1/chat/completions?api-key={Secret} Content: {{\"error\": \"bad key {Secret}\"}}";

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "HTTP 401 (Unauthorized) in phase 1", "API key")]
    [InlineData(HttpStatusCode.Forbidden, "HTTP 403 (Forbidden) in phase 1", "API key")]
    [InlineData(HttpStatusCode.NotFound, "HTTP 404 (Not Found) in phase 1", "model name")]
    [InlineData(HttpStatusCode.BadRequest, "HTTP 400 (Bad Request) in phase 1", "MaxContextCharacters")]
    public async Task GenerateAsync_HttpError_FailsWithTheStatusAndAdvice(HttpStatusCode status, string expected, string advice)
    {
        var failure = await FailureOfAsync(ChatStep.Throw(new HttpRequestException(LeakyMessage, null, status)));

        failure.Message.Should().Contain(expected).And.Contain(advice).And.NotContain(Secret).And.NotContain("example.test");
    }

    [Fact]
    public async Task GenerateAsync_ClientExceptionWithStatusProperty_FailsWithTheStatus()
    {
        var failure = await FailureOfAsync(ChatStep.Throw(new ServiceException(403, LeakyMessage)));

        failure.Message.Should().StartWith("The model endpoint answered HTTP 403 (Forbidden) in phase 1").And.NotContain(Secret);
    }

    [Fact]
    public async Task GenerateAsync_StatusOnAnInnerException_FailsWithTheStatus()
    {
        var failure = await FailureOfAsync(ChatStep.Throw(new InvalidOperationException(LeakyMessage, new ServiceException(404, LeakyMessage))));

        failure.Message.Should().Contain("HTTP 404").And.NotContain(Secret);
    }

    [Fact]
    public async Task GenerateAsync_ThrowsBeforeStreaming_FailsTheSameWay()
    {
        await using var harness = new GeneratorHarness(chatClient: new ThrowingChatClient(new HttpRequestException(LeakyMessage, null, HttpStatusCode.Unauthorized)));

        var act = () => harness.RunPhaseAsync();

        (await act.Should().ThrowAsync<GenerationFailedException>()).Which.Message.Should().Contain("HTTP 401").And.NotContain(Secret);
    }

    [Fact]
    public async Task GenerateAsync_UnknownClientError_FailsNamingOnlyItsType()
    {
        var failure = await FailureOfAsync(ChatStep.Throw(new FormatException(LeakyMessage)));

        failure.Message.Should().Be("The request to the model failed in phase 1 (FormatException). Retry the generation.");
        failure.InnerException.Should().BeOfType<FormatException>("the cause stays for the server's log");
    }

    [Fact]
    public async Task GenerateAsync_ModelStreamsAnErrorWithACode_FailsNamingTheCode()
    {
        var failure = await FailureOfAsync(ChatStep.Error(LeakyMessage, "rate_limit_exceeded"));

        failure.Message.Should().Be("The model reported an error in phase 1 (code 'rate_limit_exceeded'). Retry the generation.");
    }

    [Theory]
    [InlineData("bad key sk-live-0123456789abcdef")]
    [InlineData("code\nwith a line break")]
    [InlineData("")]
    [InlineData(null)]
    public async Task GenerateAsync_ModelStreamsAnErrorWithAnOddCode_FailsWithoutIt(string? code)
    {
        var failure = await FailureOfAsync(ChatStep.Error(LeakyMessage, code));

        failure.Message.Should().Be("The model reported an error in phase 1. Retry the generation.");
    }

    [Fact]
    public async Task GenerateAsync_ModelStreamsAnErrorWithAPlainMessage_FailsQuotingIt()
    {
        var failure = await FailureOfAsync(ChatStep.Error("The server is overloaded, try again shortly.", "server_error"));

        failure.Message.Should().Be("The model reported an error in phase 1 (code 'server_error'): \"The server is overloaded, try again shortly.\". Retry the generation.");
    }

    [Theory]
    [InlineData("Incorrect API key provided: sk-proj-abc***xyz.")]
    [InlineData("See https://platform.example.test/errors for details.")]
    [InlineData("Token eyJhbGciOiJIUzI1NiJ9payloadpart was refused.")]
    [InlineData("Contact admin@example.test about this.")]
    [InlineData("A line\nbreak in the message.")]
    [InlineData("Quote \" and <tags> in the message.")]
    public async Task GenerateAsync_ModelStreamsAnErrorWithAnUnsafeMessage_FailsWithoutIt(string message)
    {
        var failure = await FailureOfAsync(ChatStep.Error(message, "invalid_request_error"));

        failure.Message.Should().Be("The model reported an error in phase 1 (code 'invalid_request_error'). Retry the generation.");
    }

    [Fact]
    public async Task GenerateAsync_ModelStreamsAnOverlongMessage_FailsWithoutIt()
    {
        var failure = await FailureOfAsync(ChatStep.Error(string.Join(' ', Enumerable.Repeat("word", 50)), "server_error"));

        failure.Message.Should().Be("The model reported an error in phase 1 (code 'server_error'). Retry the generation.");
    }

    [Fact]
    public async Task GenerateAsync_AnswerWithoutFilesInANewGeneration_FailsSayingSo()
    {
        var failure = await FailureOfAsync(ChatStep.Text("I cannot help with that."), ChatStep.Finish(ChatFinishReason.Stop));

        failure.Message.Should().Be("The model's answer to phase 1 held no files (no <file path=\"…\"> block in its 24 characters, finish reason 'stop'), so the phase saved nothing. Retry the generation.");
    }

    [Fact]
    public async Task GenerateAsync_EmptyAnswerInANewGeneration_FailsSayingSo()
    {
        var failure = await FailureOfAsync();

        failure.Message.Should().StartWith("The model's answer to phase 1 held no files (no <file path=\"…\"> block in its 0 characters)");
    }

    [Fact]
    public async Task GenerateAsync_AnswerEndsInsideAFile_FailsNamingIt()
    {
        var failure = await FailureOfAsync(ChatStep.Text("<file path=\"a\">1</file><file path=\"src/Big.cs\">\nclass Big {"));

        failure.Message.Should().Be("The model's answer to phase 1 ended inside the file 'src/Big.cs': its closing </file> tag never arrived, so the file was not saved.");
    }

    [Fact]
    public async Task GenerateAsync_AnswerCutByTheOutputLimit_SaysWhatToRaise()
    {
        var failure = await FailureOfAsync(ChatStep.Text("<file path=\"src/Big.cs\">\nclass Big {"), ChatStep.Finish(ChatFinishReason.Length));

        failure.Message.Should().Contain("'src/Big.cs'").And.Contain("output limit").And.Contain("MaxOutputTokens");
    }

    [Fact]
    public async Task GenerateAsync_FileOpenedUnderAHostilePath_IsRefusedShowingItEscaped()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(ChatStep.Text("<file path=\"a\u202Eb" + new string('x', 300) + "\">1"));

        var failure = (await FluentActions.Awaiting(() => harness.RunPhaseAsync()).Should().ThrowAsync<Iteration.Streaming.Files.InvalidGeneratedFileException>()).Which;

        failure.Message.Should().Contain("'a\\u202eb").And.Contain("…'").And.NotContain("\u202E");
    }

    [Fact]
    public async Task GenerateAsync_AnswerLongerThanTheLimit_Fails()
    {
        await using var harness = new GeneratorHarness(o => o.MaxResponseCharacters = 1_000);
        harness.Client.AnswerText("<file path=\"a\">", new string('x', 600), new string('y', 600), "</file>");

        var act = () => harness.RunPhaseAsync();

        (await act.Should().ThrowAsync<GenerationFailedException>()).Which.Message
            .Should().Be("The model's answer to phase 1 went past 1000 characters (MaxResponseCharacters) and was stopped.");
    }

    [Fact]
    public async Task GenerateAsync_ModelSilentPastTheIdleTimeout_FailsAsATransientTimeout()
    {
        await using var harness = new GeneratorHarness(o => o.ResponseIdleTimeout = TimeSpan.FromSeconds(30));
        var gate = new ChatGate();
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">"), ChatStep.Wait(gate));
        var run = harness.RunPhaseAsync();
        await gate.Reached.WithPatience();

        harness.Clock.Advance(TimeSpan.FromSeconds(30));

        var failure = (await FluentActions.Awaiting(() => run).Should().ThrowAsync<TransientGenerationException>("a silent model is a timeout, retried by the engine")).Which;
        (failure.Message, failure.InnerException?.Message).Should().Be(("Model timed out", "The model sent nothing for 30 seconds in phase 1 (ResponseIdleTimeout) and the request was stopped. Retry the generation."));
    }

    [Fact]
    public async Task GenerateAsync_ChunksKeepComing_IdleTimeoutNeverFires()
    {
        await using var harness = new GeneratorHarness(o => o.ResponseIdleTimeout = TimeSpan.FromSeconds(30));
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a\">"),
            ChatStep.Advance(harness.Clock, TimeSpan.FromSeconds(20)),
            ChatStep.Text("1"),
            ChatStep.Advance(harness.Clock, TimeSpan.FromSeconds(20)),
            ChatStep.Text("</file>"));

        var files = await harness.RunPhaseAsync();

        files.Should().ContainSingle();
    }

    [Fact]
    public async Task GenerateAsync_EngineHoldsAFileLong_DoesNotCountAsModelSilence()
    {
        await using var harness = new GeneratorHarness(o => o.ResponseIdleTimeout = TimeSpan.FromSeconds(30));
        harness.Client.AnswerText("<file path=\"a\">1</file>", "<file path=\"b\">2</file>");
        await using var files = harness.CreateGenerator().GenerateAsync(await harness.ContextAsync()).GetAsyncEnumerator();
        (await files.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();

        harness.Clock.Advance(TimeSpan.FromMinutes(1));

        (await files.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        files.Current.Path.Should().Be("b");
    }

    [Fact]
    public async Task GenerateAsync_Cancelled_ThrowsOperationCanceledNotAFailure()
    {
        await using var harness = new GeneratorHarness();
        var gate = new ChatGate();
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">"), ChatStep.Wait(gate));
        using var cancellation = new CancellationTokenSource();
        var run = harness.RunPhaseAsync(cancellationToken: cancellation.Token);
        await gate.Reached.WithPatience();

        await cancellation.CancelAsync();

        await FluentActions.Awaiting(() => run).Should().ThrowAsync<OperationCanceledException>();
    }

    private static async Task<GenerationFailedException> FailureOfAsync(params ChatStep[] steps)
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(steps);

        var act = () => harness.RunPhaseAsync();

        return (await act.Should().ThrowAsync<GenerationFailedException>()).Which;
    }

    /// <summary>Like System.ClientModel's ClientResultException: the status as an int property, the body in the message.</summary>
    private sealed class ServiceException(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    /// <summary>A client that throws as the request is made, before any update.</summary>
    private sealed class ThrowingChatClient(Exception exception) : IChatClient
    {
        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw exception;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw exception;

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
