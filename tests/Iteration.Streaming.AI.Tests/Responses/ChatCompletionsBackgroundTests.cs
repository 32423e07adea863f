using Iteration.Streaming.AI.Tests.Infrastructure;

namespace Iteration.Streaming.AI.Tests.Responses;

/// <summary>Background responses asked of a chat-completions client (which has none): the phase is written as before.</summary>
public sealed class ChatCompletionsBackgroundTests
{
    [Fact]
    public async Task Generate_ChatCompletionsWithBackgroundResponsesOn_WritesThePhaseWithNoResumeState()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(new OpenAIAnswer.Stream("<file path=\"a.txt\">hello</file>"));
        await using var harness = new GeneratorHarness(o => o.BackgroundResponses = true, server.CreateChatClient());

        var files = await harness.RunPhaseAsync();

        files.Select(f => (f.Path, f.Text())).Should().Equal(("a.txt", "hello"));
        harness.Progress.LiveUpdates.Should().NotBeEmpty().And.OnlyContain(u => u.ResumeState == null);
        server.Requests.Single().AsObject().ContainsKey("background").Should().BeFalse();
    }
}
