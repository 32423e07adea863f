using Iteration.Streaming.Generation;
using Iteration.Streaming.Sample.Web.Demo;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

public sealed class ChatModelSwitchTests
{
    [Fact]
    public async Task WithoutChatSettings_TheDemoGeneratorRuns()
    {
        await using var app = SampleHost.Build(["--Sample:Database=" + Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "db.db")]);
        using var scope = app.Services.CreateScope();

        scope.ServiceProvider.GetRequiredService<IPhaseGenerator>().Should().BeOfType<DemoGenerator>();
        app.Services.GetService<IChatClient>().Should().BeNull();
    }

    [Fact]
    public async Task WithAChatEndpointAndModel_TheChatClientGeneratorReplacesTheDemo()
    {
        await using var app = SampleHost.Build(
        [
            "--Sample:Database=" + Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "db.db"),
            "--Chat:Endpoint=http://127.0.0.1:11434/v1",
            "--Chat:Model=qwen2.5-coder:7b",
        ]);
        using var scope = app.Services.CreateScope();

        scope.ServiceProvider.GetRequiredService<IPhaseGenerator>().Should().NotBeOfType<DemoGenerator>();
        scope.ServiceProvider.GetRequiredService<IPhaseGenerator>().GetType().Assembly.GetName().Name.Should().Be("Iteration.Streaming.AI");
        app.Services.GetRequiredService<IChatClient>().Should().NotBeNull();
    }

    [Theory]
    [InlineData("--Chat:Endpoint=not a url", "--Chat:Model=m", "Chat:Endpoint must be an absolute http or https URL")]
    [InlineData("--Chat:Endpoint=ftp://127.0.0.1/v1", "--Chat:Model=m", "Chat:Endpoint must be an absolute http or https URL")]
    [InlineData("--Chat:Endpoint=http://127.0.0.1:11434/v1", "--Chat:Other=x", "Chat:Model is required")]
    public void BadChatSettings_FailAtStartNamingTheSetting(string endpoint, string model, string expected)
    {
        var act = () => SampleHost.Build(["--Sample:Database=" + Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "db.db"), endpoint, model]);

        act.Should().Throw<InvalidOperationException>().WithMessage($"*{expected}*");
    }
}
