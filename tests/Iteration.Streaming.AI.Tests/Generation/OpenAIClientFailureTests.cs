using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AI.Tests.Generation;

/// <summary>
/// What Microsoft.Extensions.AI.OpenAI's client really throws when the endpoint (real Kestrel on 127.0.0.1) fails, as the
/// generator sorts it: transient for the engine to retry, or a plain failure.
/// </summary>
public sealed class OpenAIClientFailureTests
{
    [Fact]
    public async Task GenerateAsync_EndpointAnswers500_ThrowsTransientOverTheFullDescription()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(new OpenAIAnswer.Fail(500, "{\"error\": {\"message\": \"upstream exploded, key sk-test-0123456789-secret-key\"}}"));

        var failure = await FailureOfAsync(server);

        failure.Should().BeOfType<TransientGenerationException>().Which.Message.Should().Be("Model unavailable (HTTP 500)");
        failure.InnerException!.Message.Should().Be("The model endpoint answered HTTP 500 (Internal Server Error) in phase 1: the model service failed. Retry the generation.");
    }

    [Fact]
    public async Task GenerateAsync_StreamCutMidFile_ThrowsTransientStreamDropped()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(new OpenAIAnswer.Stream("<file path=\"b.txt\">b</file><file path=\"c.txt\">half of c") { Cut = true });

        var failure = await FailureOfAsync(server);

        failure.Should().BeOfType<TransientGenerationException>().Which.Message.Should().Be("Model stream dropped");
    }

    [Fact]
    public async Task GenerateAsync_NothingListens_ThrowsTransientUnreachable()
    {
        var server = await FakeOpenAIServer.StartAsync();
        using var chatClient = server.CreateChatClient();
        await server.DisposeAsync();
        await using var harness = new GeneratorHarness(chatClient: chatClient);

        var act = () => harness.RunPhaseAsync();

        (await act.Should().ThrowAsync<TransientGenerationException>()).Which.Message.Should().Be("Model unreachable");
    }

    [Fact]
    public async Task GenerateAsync_EndpointRefusesTheKey_FailsWithoutRetry()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(new OpenAIAnswer.Fail(401, "{\"error\": {\"message\": \"Incorrect API key provided\"}}"));

        var failure = await FailureOfAsync(server);

        failure.Should().BeOfType<GenerationFailedException>().Which.Message.Should().StartWith("The model endpoint answered HTTP 401 (Unauthorized) in phase 1");
    }

    private static async Task<Exception> FailureOfAsync(FakeOpenAIServer server)
    {
        using var chatClient = server.CreateChatClient();
        await using var harness = new GeneratorHarness(chatClient: chatClient);

        var act = () => harness.RunPhaseAsync();

        return (await act.Should().ThrowAsync<Exception>()).Which;
    }
}
