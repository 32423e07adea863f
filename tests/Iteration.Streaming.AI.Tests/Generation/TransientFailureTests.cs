using System.Net;
using System.Net.Sockets;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Tests.Generation;

/// <summary>
/// What the chat client throws, sorted: a failure that may pass (429, 5xx, timeouts, a dropped stream) becomes a
/// <see cref="TransientGenerationException"/> the engine retries, naming the cause in a few fixed words; anything else
/// stays a <see cref="GenerationFailedException"/>, as before.
/// </summary>
public sealed class TransientFailureTests
{
    private const string Secret = "sk-live-0123456789abcdef";
    private const string LeakyMessage = $"Service request failed. POST https://api.example.test/v1/chat/completions?api-key={Secret} Content: {{\"error\": \"bad key {Secret}\"}}";

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, "Model rate-limited (HTTP 429)", "The model endpoint answered HTTP 429 (Too Many Requests) in phase 1: the model is rate limited or out of quota. Retry the generation later.")]
    [InlineData(HttpStatusCode.InternalServerError, "Model unavailable (HTTP 500)", "The model endpoint answered HTTP 500 (Internal Server Error) in phase 1: the model service failed. Retry the generation.")]
    [InlineData(HttpStatusCode.BadGateway, "Model unavailable (HTTP 502)", "The model endpoint answered HTTP 502 (Bad Gateway) in phase 1: the model service failed. Retry the generation.")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "Model unavailable (HTTP 503)", "The model endpoint answered HTTP 503 (Service Unavailable) in phase 1: the model service failed. Retry the generation.")]
    [InlineData(HttpStatusCode.GatewayTimeout, "Model unavailable (HTTP 504)", "The model endpoint answered HTTP 504 (Gateway Timeout) in phase 1: the model took too long to answer. Retry the generation.")]
    [InlineData(HttpStatusCode.RequestTimeout, "Model timed out (HTTP 408)", "The model endpoint answered HTTP 408 (Request Timeout) in phase 1: the model took too long to answer. Retry the generation.")]
    public async Task GenerateAsync_TransientHttpStatus_ThrowsTransientNamingTheCause(HttpStatusCode status, string cause, string described)
    {
        var failure = await TransientOfAsync(ChatStep.Throw(new HttpRequestException(LeakyMessage, null, status)));

        failure.Message.Should().Be(cause);
        failure.InnerException.Should().BeOfType<GenerationFailedException>().Which.Message.Should().Be(described, "the full description stays for a run that runs out of retries");
        failure.InnerException!.InnerException.Should().BeOfType<HttpRequestException>("the cause stays for the server's log");
        failure.RetryAfter.Should().BeNull("an HttpRequestException carries no headers");
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    [InlineData(HttpStatusCode.NotImplemented)]
    [InlineData(HttpStatusCode.HttpVersionNotSupported)]
    public async Task GenerateAsync_PermanentHttpStatus_FailsWithoutRetry(HttpStatusCode status)
    {
        var failure = await FailureOfAsync(ChatStep.Throw(new HttpRequestException(LeakyMessage, null, status)));

        failure.Should().BeOfType<GenerationFailedException>().Which.Message.Should().Contain($"HTTP {(int)status}").And.NotContain(Secret);
    }

    [Fact]
    public async Task GenerateAsync_ClientExceptionWithStatusProperty_IsClassifiedByIt()
    {
        var failure = await TransientOfAsync(ChatStep.Throw(new InvalidOperationException(LeakyMessage, new ServiceException(503, LeakyMessage))));

        failure.Message.Should().Be("Model unavailable (HTTP 503)");
    }

    [Fact]
    public async Task GenerateAsync_ClientThrowsBeforeStreaming_IsClassifiedTheSameWay()
    {
        await using var harness = new GeneratorHarness(chatClient: new ThrowingChatClient(new HttpRequestException(LeakyMessage, null, HttpStatusCode.BadGateway)));

        var act = () => harness.RunPhaseAsync();

        (await act.Should().ThrowAsync<TransientGenerationException>()).Which.Message.Should().Be("Model unavailable (HTTP 502)");
    }

    public static TheoryData<string, Exception> TimedOut => new()
    {
        { "TimeoutException", new TimeoutException(LeakyMessage) },
        { "HttpClient's timeout", new TaskCanceledException(LeakyMessage, new TimeoutException(LeakyMessage)) },
        { "a cancellation that is not ours", new TaskCanceledException(LeakyMessage) },
    };

    [Theory]
    [MemberData(nameof(TimedOut))]
    public async Task GenerateAsync_ClientTimesOut_ThrowsTransientTimedOut(string what, Exception exception)
    {
        var failure = await TransientOfAsync(ChatStep.Text("<file path=\"a\">par"), ChatStep.Throw(exception));

        failure.Message.Should().Be("Model timed out", what);
        failure.InnerException!.Message.Should().Be("The request to the model timed out in phase 1. Retry the generation.");
    }

    public static TheoryData<string, Exception> Dropped => new()
    {
        { "IOException", new IOException(LeakyMessage) },
        { "HttpIOException", new HttpIOException(HttpRequestError.ResponseEnded, LeakyMessage) },
        { "HttpRequestException, response ended", new HttpRequestException(HttpRequestError.ResponseEnded, LeakyMessage) },
        { "HttpRequestException over an IOException", new HttpRequestException(LeakyMessage, new IOException(LeakyMessage)) },
    };

    [Theory]
    [MemberData(nameof(Dropped))]
    public async Task GenerateAsync_StreamDropsMidAnswer_ThrowsTransientStreamDropped(string what, Exception exception)
    {
        var failure = await TransientOfAsync(ChatStep.Text("<file path=\"a\">par"), ChatStep.Throw(exception));

        failure.Message.Should().Be("Model stream dropped", what);
        failure.InnerException!.Message.Should().Be("The connection to the model was lost in phase 1 before its answer was complete. Retry the generation.");
    }

    [Fact]
    public async Task GenerateAsync_ConnectionRefused_ThrowsTransientUnreachable()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, LeakyMessage, new SocketException((int)SocketError.ConnectionRefused));

        var failure = await TransientOfAsync(ChatStep.Throw(refused));

        failure.Message.Should().Be("Model unreachable");
    }

    [Theory]
    [InlineData(HttpRequestError.SecureConnectionError)]
    [InlineData(HttpRequestError.UserAuthenticationError)]
    [InlineData(HttpRequestError.VersionNegotiationError)]
    [InlineData(HttpRequestError.InvalidResponse)]
    public async Task GenerateAsync_ConnectionRefusedForGood_FailsWithoutRetry(HttpRequestError error)
    {
        // A failed TLS handshake often carries an IOException: still not worth asking again.
        var failure = await FailureOfAsync(ChatStep.Throw(new HttpRequestException(error, LeakyMessage, new IOException(LeakyMessage))));

        failure.Should().BeOfType<GenerationFailedException>();
    }

    [Fact]
    public async Task GenerateAsync_TransientCause_HoldsNothingOfTheExceptionsMessage()
    {
        var failure = await TransientOfAsync(ChatStep.Throw(new HttpRequestException(LeakyMessage, new IOException(LeakyMessage), HttpStatusCode.ServiceUnavailable)));

        failure.Message.Should().Be("Model unavailable (HTTP 503)");
        failure.InnerException!.Message.Should().NotContain(Secret).And.NotContain("example.test");
    }

    [Fact]
    public async Task GenerateAsync_UnknownClientError_FailsWithoutRetry()
    {
        var failure = await FailureOfAsync(ChatStep.Throw(new FormatException(LeakyMessage)));

        failure.Should().BeOfType<GenerationFailedException>();
    }

    [Fact]
    public async Task GenerateAsync_ContentFilteredError_FailsWithoutRetry()
    {
        var failure = await FailureOfAsync(ChatStep.Error("The response was filtered due to the prompt triggering content management policy.", "content_filter"));

        failure.Should().BeOfType<GenerationFailedException>().Which.Message.Should().Contain("'content_filter'");
    }

    [Fact]
    public async Task GenerateAsync_AnswerStoppedByTheContentFilter_FailsWithoutRetry()
    {
        var failure = await FailureOfAsync(ChatStep.Text("<file path=\"a\">par"), ChatStep.Finish(ChatFinishReason.ContentFilter));

        failure.Should().BeOfType<GenerationFailedException>().Which.Message.Should().Contain("content_filter");
    }

    [Fact]
    public async Task GenerateAsync_CancelledByOurToken_ThrowsOperationCanceledNotTransient()
    {
        await using var harness = new GeneratorHarness();
        var gate = new ChatGate();
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">"), ChatStep.Wait(gate));
        using var cancellation = new CancellationTokenSource();
        var run = harness.RunPhaseAsync(cancellationToken: cancellation.Token);
        await gate.Reached.WithPatience();

        await cancellation.CancelAsync();

        await FluentActions.Awaiting(() => run).Should().ThrowAsync<OperationCanceledException>("a TransientGenerationException is not one");
    }

    [Fact]
    public async Task GenerateAsync_ClientBreaksAfterOurCancellation_ThrowsOperationCanceledNotTransient()
    {
        await using var harness = new GeneratorHarness();
        using var cancellation = new CancellationTokenSource();
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a\">"),
            ChatStep.WhenAsked(() =>
            {
                // The run is cancelled while the client reads, and the connection it aborts surfaces as a lost stream.
                cancellation.Cancel();
                throw new IOException(LeakyMessage);
            }));

        var act = () => harness.RunPhaseAsync(cancellationToken: cancellation.Token);

        var cancelled = (await act.Should().ThrowAsync<OperationCanceledException>()).Which;
        cancelled.CancellationToken.Should().Be(cancellation.Token);
        cancelled.InnerException.Should().BeOfType<IOException>();
    }

    private static async Task<TransientGenerationException> TransientOfAsync(params ChatStep[] steps) =>
        (await FailureOfAsync(steps)).Should().BeOfType<TransientGenerationException>().Which;

    private static async Task<Exception> FailureOfAsync(params ChatStep[] steps)
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(steps);

        var act = () => harness.RunPhaseAsync();

        var failure = (await act.Should().ThrowAsync<Exception>()).Which;
        failure.Should().Match<Exception>(e => e is GenerationFailedException || e is TransientGenerationException, "a model's failure is one or the other");
        return failure;
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
