using Iteration.Streaming.AI.Generation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>The sample's <c>--Chat:Api</c> setting: chat completions by default, the Responses API with background responses on demand.</summary>
public sealed class MidPhaseChatApiTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("chat", false)]
    [InlineData("responses", true)]
    [InlineData("Responses", true)]
    public async Task ChatApi_ChoosesTheClientAndBackgroundResponses(string? api, bool responses)
    {
        await using var app = SampleHost.Build([.. Settings(), .. api is null ? Array.Empty<string>() : [$"--Chat:Api={api}"]]);

        var client = app.Services.GetRequiredService<IChatClient>();
#pragma warning disable OPENAI001 // The Responses client is marked for evaluation in OpenAI 2.x.
        (client.GetService<OpenAI.Responses.ResponsesClient>() is not null).Should().Be(responses);
#pragma warning restore OPENAI001
        (client.GetService<OpenAI.Chat.ChatClient>() is not null).Should().Be(!responses);
        app.Services.GetRequiredService<IOptions<ChatClientGeneratorOptions>>().Value.BackgroundResponses.Should().Be(responses);
    }

    [Theory]
    [InlineData("completions")]
    [InlineData("responses; drop")]
    [InlineData("../chat")]
    public void ChatApi_Invalid_FailsAtStartNamingTheSetting(string api)
    {
        var act = () => SampleHost.Build([.. Settings(), $"--Chat:Api={api}"]);

        act.Should().Throw<InvalidOperationException>().WithMessage("Chat:Api must be 'chat' (chat completions, the default) or 'responses'*");
    }

    private static string[] Settings() =>
    [
        "--Sample:Database=" + Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "db.db"),
        "--Chat:Endpoint=http://127.0.0.1:11434/v1",
        "--Chat:Model=m",
    ];
}
