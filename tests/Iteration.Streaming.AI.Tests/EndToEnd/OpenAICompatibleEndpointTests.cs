using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.AI.Tests.EndToEnd;

/// <summary>
/// The whole path a host uses: engine → chat-client generator → Microsoft.Extensions.AI.OpenAI → HTTP → an
/// OpenAI-compatible streaming endpoint on 127.0.0.1.
/// </summary>
public sealed class OpenAICompatibleEndpointTests
{
    private const string Program = "var builder = WebApplication.CreateBuilder(args);\r\nvar app = builder.Build();\r\napp.Run();\r\n";
    private const string Tricky = "// `backticks` and ```fences```, a < b > c, </fil and </file but never the tag itself\n<file path=\"not/a/tag\">\n";
    private const string Task = "public sealed record TaskItem(int Id, string Title, bool Done);\n";
    private const string Readme = "# Tasks 🙂\n\n```bash\ndotnet run\n```\n";
    private const string Main = "app.MapGet(\"/tasks\", () => Results.Ok());\n";

    [Fact]
    public async Task Run_ModelWritesEveryPhase_SavesTheFilesExactlyAsWritten()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server
            .Enqueue(new OpenAIAnswer.Stream($"Phase one.\n<file path=\"Program.cs\">\n{Program}</file>\n<file path=\"src/Tricky.txt\">\n{Tricky}</file>\n"))
            .Enqueue(new OpenAIAnswer.Stream($"<file path=\"src/Tasks/TaskItem.cs\">\n{Task}</file>", ChunkSize: 1))
            .Enqueue(new OpenAIAnswer.Stream($"<file path=\"README.md\">\n{Readme}</file>", ChunkSize: 64))
            .Enqueue(new OpenAIAnswer.Stream($"<file path=\"src/Endpoints.cs\">{Main}</file>\nAll done."));

        var events = await host.RunAsync();

        events[^1].Status.Should().Be(GenerationStatus.Completed, events[^1].Error);
        (await host.FilesAsync(events[0].GenerationId)).Should().Equal(new Dictionary<string, string>
        {
            ["Program.cs"] = Program,
            ["src/Tricky.txt"] = Tricky,
            ["src/Tasks/TaskItem.cs"] = Task,
            ["README.md"] = Readme,
            ["src/Endpoints.cs"] = Main,
        });
    }

    [Fact]
    public async Task Run_EachPhase_SendsOneStreamedRequestNamingThePhase()
    {
        await using var host = await ChatEngineHost.StartAsync();
        for (var i = 1; i <= 4; i++)
        {
            host.Server.Enqueue(new OpenAIAnswer.Stream($"<file path=\"f{i}.txt\">{i}</file>"));
        }

        await host.RunAsync();

        host.Server.Requests.Should().HaveCount(4);
        host.Server.Requests.Should().OnlyContain(r => (bool)r["stream"]! && (string)r["model"]! == FakeOpenAIServer.Model);
        host.Server.Requests.Select(r => (string)r["messages"]![1]!["content"]!)
            .Select((user, i) => user.Contains($"Write the files of phase {i + 1} of 4", StringComparison.Ordinal))
            .Should().AllBeEquivalentTo(true);
        ((string)host.Server.Requests[3]["messages"]![1]!["content"]!).Should().Contain("<file path=\"f1.txt\">\n1</file>");
    }

    [Fact]
    public async Task Run_EndpointAnswers500WithRetriesOff_FailsThePhaseWithoutLeaking_KeepingEarlierPhases()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"a.txt\">a</file>"))
            .Enqueue(new OpenAIAnswer.Fail(500, $"{{\"error\": {{\"message\": \"upstream exploded, key {ChatEngineHost.ApiKey}\"}}}}"));

        var events = await host.RunAsync();

        var failed = events[^1];
        failed.Status.Should().Be(GenerationStatus.Failed);
        // A 500 is transient: the generator throws TransientGenerationException("Model unavailable (HTTP 500)") over the
        // full description, which is what the run says when it is not retried.
        failed.Error.Should().Be("The model endpoint answered HTTP 500 (Internal Server Error) in phase 2: the model service failed. Retry the generation.");
        events.Should().NotContain(e => (e.Error ?? e.Message).Contains("exploded", StringComparison.Ordinal) || (e.Error ?? e.Message).Contains(ChatEngineHost.ApiKey, StringComparison.Ordinal));
        (await host.FilesAsync(failed.GenerationId)).Keys.Should().Equal("a.txt");
    }

    [Fact]
    public async Task Run_EndpointRefusesTheKey_FailsSayingSo()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server.Enqueue(new OpenAIAnswer.Fail(401, "{\"error\": {\"message\": \"Incorrect API key provided\"}}"));

        var events = await host.RunAsync();

        events[^1].Error.Should().StartWith("The model endpoint answered HTTP 401 (Unauthorized) in phase 1: the API key was refused");
    }

    [Fact]
    public async Task Run_EndpointStreamsOnlyAnErrorObject_FailsThePhaseWithTheModelsError()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server.Enqueue(new OpenAIAnswer.StreamedError(
            """{"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null}}"""));

        var events = await host.RunAsync();

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Be("The model reported an error in phase 1 (code 'server_error'): \"The server had an error while processing your request.\". Retry the generation.");
        events.Should().NotContain(e => e.Status == GenerationStatus.Completed);
    }

    [Fact]
    public async Task Run_EndpointStreamsAnErrorAfterPartOfAnAnswer_FailsThatPhase_KeepingEarlierPhases()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"a.txt\">a</file>"))
            .Enqueue(new OpenAIAnswer.StreamedError("""{"error": {"message": "Rate limit reached for requests.", "code": "rate_limit_exceeded"}}""")
            {
                TextBefore = "<file path=\"b.txt\">b</file>",
                Done = false,
            });

        var events = await host.RunAsync();

        var failed = events[^1];
        failed.Error.Should().Be("The model reported an error in phase 2 (code 'rate_limit_exceeded'): \"Rate limit reached for requests.\". Retry the generation.");
        (await host.FilesAsync(failed.GenerationId)).Keys.Should().Equal("a.txt");
    }

    [Fact]
    public async Task Run_StreamedErrorNamingTheKey_FailsWithoutItsMessage()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server.Enqueue(new OpenAIAnswer.StreamedError(
            $$$"""{"error": {"message": "Incorrect API key provided: {{{ChatEngineHost.ApiKey}}}.", "type": "invalid_request_error", "code": "invalid_api_key"}}"""));

        var events = await host.RunAsync();

        events[^1].Error.Should().Be("The model reported an error in phase 1 (code 'invalid_api_key'). Retry the generation.");
        events.Should().NotContain(e => (e.Error ?? e.Message).Contains(ChatEngineHost.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_AnswerWithoutAFileBlock_FailsThePhaseInsteadOfCompleting()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server.Enqueue(new OpenAIAnswer.Stream("Sorry, I can only answer questions about cooking."));

        var events = await host.RunAsync();

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Be("The model's answer to phase 1 held no files (no <file path=\"…\"> block in its 49 characters, finish reason 'stop'), so the phase saved nothing. Retry the generation.");
    }

    [Fact]
    public async Task Run_ModelOpensAGitFile_FailsThePhaseNamingTheRule()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server.Enqueue(new OpenAIAnswer.Stream("<file path=\"src/.git/config\">[core]\n\thooksPath = x\n</file>"));

        var events = await host.RunAsync();

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Contain("'src/.git/config' is refused: it contains a '.git' segment");
    }

    [Fact]
    public async Task Run_StreamCutMidFileWithRetriesOff_FailsThePhaseCleanly_WithoutThePartialFile()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"a.txt\">a</file>"))
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"b.txt\">b</file><file path=\"c.txt\">half of c") { Cut = true });

        var events = await host.RunAsync();

        var failed = events[^1];
        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Error.Should().Be("The connection to the model was lost in phase 2 before its answer was complete. Retry the generation.");
        (await host.FilesAsync(failed.GenerationId)).Keys.Should().Equal("a.txt");
    }

    [Fact]
    public async Task Run_AnswerEndsInsideAFile_FailsNamingTheFile()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server.Enqueue(new OpenAIAnswer.Stream("<file path=\"src/Big.cs\">\nclass Big {") { FinishReason = "length" });

        var events = await host.RunAsync();

        events[^1].Error.Should().StartWith("The model's answer to phase 1 ended inside the file 'src/Big.cs' because it reached its output limit");
    }

    [Fact]
    public async Task Run_ModelWritesAHostilePath_FailsThePhase()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server.Enqueue(new OpenAIAnswer.Stream("<file path=\"../../etc/passwd\">root</file>"));

        var events = await host.RunAsync();

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Contain("'../../etc/passwd' is refused");
    }

    // The tests below need the engine's side of IPhaseProgress (live events, usage on phase_{n}_complete and completed)
    // and retry; they pass once the lead's wave-2 engine work lands.
    [Fact]
    [Trait("DependsOn", "EngineWave2")]
    public async Task Run_UsageReported_IsSummedPerPhaseAndPerGeneration()
    {
        await using var host = await ChatEngineHost.StartAsync();
        for (var i = 1; i <= 4; i++)
        {
            host.Server.Enqueue(new OpenAIAnswer.Stream($"<file path=\"f{i}.txt\">{i}</file>") { Usage = (1_000 * i, 100 * i) });
        }

        var events = await host.RunAsync();

        var phase2 = events.Single(e => e.Stage == GenerationStages.PhaseComplete(2));
        Usage(phase2).Should().Be((2_000, 200));
        Usage(events[^1]).Should().Be((10_000, 1_000));
    }

    [Fact]
    [Trait("DependsOn", "EngineWave2")]
    public async Task Run_FileStreaming_EmitsThrottledLiveEvents()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server.Enqueue(new OpenAIAnswer.Stream($"<file path=\"Program.cs\">\n{Program}</file>", ChunkSize: 2));
        for (var i = 2; i <= 4; i++)
        {
            host.Server.Enqueue(new OpenAIAnswer.Stream($"<file path=\"f{i}.txt\">{i}</file>"));
        }

        var events = await host.RunAsync();

        // The clock is frozen: the generation's first report passes and every later one falls within the interval.
        var live = events.Where(e => e.PartialOutput?.ContainsKey("chars") == true).ToList();
        live.Should().ContainSingle();
        live[0].Stage.Should().Be(GenerationStages.PhaseProgress(1));
        live[0].CurrentFile.Should().Be("Program.cs");
        live[0].PartialOutput!["file"].GetString().Should().Be("Program.cs");
    }

    [Fact]
    [Trait("DependsOn", "EngineWave2")]
    public async Task Retry_AfterAModelError_ResumesFromTheLastSavedPhase()
    {
        await using var host = await ChatEngineHost.StartAsync();
        host.Server
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"f1.txt\">1</file>"))
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"f2.txt\">2</file>"))
            .Enqueue(new OpenAIAnswer.Fail(503, "{}"));
        var failed = await host.RunAsync();
        failed[^1].Status.Should().Be(GenerationStatus.Failed);
        host.Server
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"f3.txt\">3</file>"))
            .Enqueue(new OpenAIAnswer.Stream("<file path=\"f4.txt\">4</file>"));

        var retryId = await host.Engine.RetryAsync(new RetryRequest(failed[0].GenerationId));
        var events = await host.ReadToEndAsync(retryId);

        events[^1].Status.Should().Be(GenerationStatus.Completed, events[^1].Error);
        events.Should().Contain(e => e.Stage == GenerationStages.Resumed);
        host.Server.Requests.Should().HaveCount(5, "phases 1 and 2 were saved and are not asked for again");
        (await host.FilesAsync(retryId)).Should().Equal(new Dictionary<string, string> { ["f1.txt"] = "1", ["f2.txt"] = "2", ["f3.txt"] = "3", ["f4.txt"] = "4" });
    }

    private static (long Input, long Output) Usage(StreamingProgressEvent e)
    {
        e.PartialOutput.Should().ContainKey("usage", "the engine puts the phase's or the generation's usage on {0}", e.Stage);
        var usage = e.PartialOutput!["usage"];
        return (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64());
    }
}
