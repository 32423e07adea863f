using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.EndToEnd;

/// <summary>Runs driven step by step by a <see cref="ControlledPhaseGenerator"/>: what HTTP shows while a run is going.</summary>
public sealed class ControlledRunTests : IAsyncLifetime
{
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(generator: _generator);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private HttpRequestMessage Authorized(HttpMethod method, string url, string token)
    {
        var request = new HttpRequestMessage(method, url.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string token)
    {
        using var request = Authorized(method, url, token);
        return await _client.SendAsync(request);
    }

    private async Task<GenerationFileList> FilesAsync(GenerationStartedResponse started)
    {
        using var response = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files", started.SseToken);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationFileList))!;
    }

    private static async Task ReadUntilAsync(IAsyncEnumerator<System.Net.ServerSentEvents.SseItem<string>> events, Func<StreamingProgressEvent, bool> done)
    {
        while (true)
        {
            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
            if (done(events.Current.ToProgressEvent()))
            {
                return;
            }
        }
    }

    [Fact]
    public async Task Files_WhileRunning_ListOnlyThePhasesSavedSoFar()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Yield("README.md", "# App").Complete();
        var second = await _generator.NextPhaseAsync();
        second.Yield("src/User.cs", "class User {}");
        await ReadUntilAsync(events, e => e.Stage == GenerationStages.PhaseProgress(2));

        var files = await FilesAsync(started);

        files.GenerationId.Should().Be(started.GenerationId);
        files.Status.Should().Be(GenerationStatus.Processing);
        files.Files.Select(f => f.Path).Should().Equal("README.md", "src/App.cs");
        files.Files.Should().OnlyContain(f => f.Phase == 1 && f.Size > 0 && f.Sha256.Length == 64);
        second.Complete();
    }

    [Fact]
    public async Task File_WhileRunning_ServesTheSavedBytesWithASensibleContentType()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        (await _generator.NextPhaseAsync())
            .Yield("src/App.cs", "class App {}")
            .Yield("web/index.html", "<script>alert(1)</script>")
            .Yield("web/app.ts", "export const x = 1;")
            .Yield("appsettings.json", "{}")
            .Complete();
        await ReadUntilAsync(events, e => e.Stage == GenerationStages.PhaseComplete(1));

        using var cs = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files/src/App.cs", started.SseToken);
        using var html = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files/web/index.html", started.SseToken);
        using var ts = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files/web/app.ts", started.SseToken);
        using var json = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files/appsettings.json?token=" + started.SseToken, "ignored");

        cs.StatusCode.Should().Be(HttpStatusCode.OK);
        (await cs.Content.ReadAsStringAsync()).Should().Be("class App {}");
        cs.Content.Headers.ContentType!.ToString().Should().Be("text/plain; charset=utf-8");
        ts.Content.Headers.ContentType!.MediaType.Should().Be("text/plain", "a .ts file is TypeScript here, not a video");
        json.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        html.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        html.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("sandbox");
        html.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        html.Headers.GetValues("Referrer-Policy").Should().Equal("no-referrer");
        (await _generator.NextPhaseAsync()).Complete();
    }

    [Fact]
    public async Task File_WithTheSameETag_Answers304()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield("a.txt", "hello").Complete();
        await ReadUntilAsync(events, e => e.Stage == GenerationStages.PhaseComplete(1));
        using var first = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files/a.txt", started.SseToken);

        using var request = Authorized(HttpMethod.Get, started.StatusUrl + "/files/a.txt", started.SseToken);
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await _client.SendAsync(request);

        second.StatusCode.Should().Be(HttpStatusCode.NotModified);
        (await _generator.NextPhaseAsync()).Complete();
    }

    [Fact]
    public async Task File_NotInTheManifest_Answers404()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        var phase = await _generator.NextPhaseAsync();
        phase.Yield("a.txt", "hello");
        await ReadUntilAsync(events, e => e.Stage == GenerationStages.PhaseProgress(1));

        using var notSavedYet = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files/a.txt", started.SseToken);
        using var neverWritten = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files/b.txt", started.SseToken);

        (await notSavedYet.ShouldBeProblemAsync(HttpStatusCode.NotFound)).Should().Contain("no saved file");
        await neverWritten.ShouldBeProblemAsync(HttpStatusCode.NotFound);
        phase.Complete();
    }

    [Fact]
    public async Task AfterAFailure_TheStreamEndsFailedAndThePartialResultStaysReadable()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await _generator.NextPhaseAsync()).Yield("src/User.cs", "class User {}").Fail(new Iteration.Streaming.Generation.GenerationFailedException("model unavailable"));

        var last = (await reading.WithPatience())[^1].ToProgressEvent();
        var files = await FilesAsync(started);
        using var file = await SendAsync(HttpMethod.Get, started.StatusUrl + "/files/src/App.cs", started.SseToken);
        using var archive = await SendAsync(HttpMethod.Get, started.StatusUrl + "/archive", started.SseToken);

        last.Status.Should().Be(GenerationStatus.Failed);
        last.Error.Should().Contain("model unavailable");
        files.Status.Should().Be(GenerationStatus.Failed);
        files.Files.Select(f => f.Path).Should().Equal("src/App.cs");
        (await file.Content.ReadAsStringAsync()).Should().Be("class App {}");
        (await ZipEntriesAsync(archive)).Keys.Should().Equal("src/App.cs");
    }

    [Fact]
    public async Task Archive_IsAStreamedZipOfTheManifest()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Yield("README.md", "# App").Complete();
        for (var i = 0; i < 3; i++)
        {
            (await _generator.NextPhaseAsync()).Complete();
        }

        await reading.WithPatience();
        using var archive = await SendAsync(HttpMethod.Get, started.StatusUrl + "/archive", started.SseToken);

        archive.StatusCode.Should().Be(HttpStatusCode.OK);
        archive.Content.Headers.ContentType!.MediaType.Should().Be("application/zip");
        archive.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        archive.Content.Headers.ContentDisposition.FileName.Should().Contain(started.GenerationId + ".zip");
        archive.Headers.TransferEncodingChunked.Should().BeTrue("the zip is streamed, not built in memory first");
        var entries = await ZipEntriesAsync(archive);
        entries.Should().BeEquivalentTo(new Dictionary<string, string> { ["README.md"] = "# App", ["src/App.cs"] = "class App {}" });
    }

    [Fact]
    public async Task Cancel_WhileRunning_Answers202AndTheStreamEndsCancelled()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();
        var phase = await _generator.NextPhaseAsync();

        using var cancel = await SendAsync(HttpMethod.Delete, started.StatusUrl, started.ControlToken!);
        var snapshot = await cancel.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationSnapshot);
        var last = (await reading.WithPatience())[^1].ToProgressEvent();

        cancel.StatusCode.Should().Be(HttpStatusCode.Accepted);
        snapshot!.GenerationId.Should().Be(started.GenerationId);
        phase.RunCancellation.IsCancellationRequested.Should().BeTrue();
        last.Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task Cancel_AfterTheRunEnded_Answers409()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();
        await _generator.NextPhaseAsync();
        using (await SendAsync(HttpMethod.Delete, started.StatusUrl, started.ControlToken!))
        {
        }

        await reading.WithPatience();
        using var again = await SendAsync(HttpMethod.Delete, started.StatusUrl, started.ControlToken!);

        (await again.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Should().Contain("cancelled");
    }

    [Fact]
    public async Task Iterate_OnARunningParent_Answers409()
    {
        var parent = await _host.StartGenerationAsync(_client);
        var phase = await _generator.NextPhaseAsync();

        using var request = Authorized(HttpMethod.Post, "generations/iterate", parent.ControlToken!);
        request.Content = JsonContent.Create(
            new IterateGenerationRequest { ParentGenerationId = parent.GenerationId, ModificationPrompt = "x" },
            IterationStreamingJson.IterateGenerationRequest);
        using var response = await _client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        phase.Complete();
    }

    [Fact]
    public async Task Snapshot_WhileRunning_ShowsTheLatestEvent()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        var phase = await _generator.NextPhaseAsync();
        phase.Yield("a.txt", "a");
        await ReadUntilAsync(events, e => e.CurrentFile == "a.txt");

        using var response = await SendAsync(HttpMethod.Get, started.StatusUrl, started.SseToken);
        var snapshot = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationSnapshot);

        snapshot!.Status.Should().Be(GenerationStatus.Processing);
        snapshot.LastEvent!.CurrentFile.Should().Be("a.txt");
        snapshot.LastEventId.Should().Be(long.Parse(events.Current.EventId!, System.Globalization.CultureInfo.InvariantCulture));
        phase.Complete();
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/retry")]
    [InlineData("GET", "/files")]
    [InlineData("GET", "/files/a.txt")]
    [InlineData("GET", "/archive")]
    public async Task UnknownGenerationWithAGenuineToken_Answers401NeverValidBecauseUnknown(string method, string suffix)
    {
        // No record, no valid token: a leaked token of a deleted generation, or one signed for an id never started, opens nothing.
        var id = Guid.NewGuid().ToString();

        using var response = await SendAsync(new HttpMethod(method), $"generations/{id}{suffix}", _host.Tokens.IssueToken(id, Iteration.Streaming.Security.StreamTokenScope.Control));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("expired").And.NotContain(id);
    }

    [Fact]
    public async Task File_OfAKnownGenerationWithNothingSaved_Answers404()
    {
        var started = await _host.StartGenerationAsync(_client);
        var phase = await _generator.NextPhaseAsync();

        using var list = await SendAsync(HttpMethod.Get, $"{started.StatusUrl}/files", started.SseToken);
        using var file = await SendAsync(HttpMethod.Get, $"{started.StatusUrl}/files/a.txt", started.SseToken);

        list.StatusCode.Should().Be(HttpStatusCode.OK, "an empty list is an answer");
        (await file.ShouldBeProblemAsync(HttpStatusCode.NotFound)).Should().Contain("no saved file");
        phase.Complete();
    }

    [Fact]
    public async Task GeneratedWebApp_IsServedAsTextThatCannotRunOrStyleFromOurOrigin()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        (await _generator.NextPhaseAsync())
            .Yield("wwwroot/index.html", "<!doctype html><script src=\"app.js\"></script>")
            .Yield("wwwroot/app.js", "fetch('/generations', { method: 'DELETE' });")
            .Yield("wwwroot/lib/module.mjs", "export default 1;")
            .Yield("wwwroot/lib/legacy.cjs", "module.exports = 1;")
            .Yield("wwwroot/site.css", "body { background: url(/steal) }")
            .Yield("wwwroot/icon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")
            .Complete();
        await ReadUntilAsync(events, e => e.Stage == GenerationStages.PhaseComplete(1));

        var answers = new Dictionary<string, HttpResponseMessage>();
        foreach (var path in new[] { "wwwroot/index.html", "wwwroot/app.js", "wwwroot/lib/module.mjs", "wwwroot/lib/legacy.cjs", "wwwroot/site.css", "wwwroot/icon.svg" })
        {
            answers[path] = await SendAsync(HttpMethod.Get, $"{started.StatusUrl}/files/{path}", started.SseToken);
        }

        foreach (var (path, response) in answers)
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            response.Headers.GetValues("X-Content-Type-Options").Should().Equal(["nosniff"], path);
            response.Headers.GetValues("Cross-Origin-Resource-Policy").Should().Equal(["same-origin"], path);
            response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("sandbox", path);
        }

        foreach (var script in new[] { "wwwroot/app.js", "wwwroot/lib/module.mjs", "wwwroot/lib/legacy.cjs", "wwwroot/site.css" })
        {
            answers[script].Content.Headers.ContentType!.ToString().Should().Be("text/plain; charset=utf-8", $"{script} must not load as a script or a style sheet");
        }

        answers["wwwroot/index.html"].Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        answers["wwwroot/icon.svg"].Content.Headers.ContentType!.MediaType.Should().Be("image/svg+xml");
        (await answers["wwwroot/app.js"].Content.ReadAsStringAsync()).Should().Contain("DELETE", "the bytes are served as saved");
        foreach (var response in answers.Values)
        {
            response.Dispose();
        }

        (await _generator.NextPhaseAsync()).Complete();
    }

    [Fact]
    public async Task Archive_IsServedWithNosniffAndSameOriginResourcePolicy()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield("wwwroot/app.js", "alert(1)").Complete();
        await ReadUntilAsync(events, e => e.Stage == GenerationStages.PhaseComplete(1));

        using var archive = await SendAsync(HttpMethod.Get, started.StatusUrl + "/archive", started.SseToken);

        archive.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        archive.Headers.GetValues("Cross-Origin-Resource-Policy").Should().Equal("same-origin");
        (await _generator.NextPhaseAsync()).Complete();
    }

    private static async Task<Dictionary<string, string>> ZipEntriesAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var entries = new Dictionary<string, string>();
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            entries[entry.FullName] = await reader.ReadToEndAsync();
        }

        return entries;
    }
}
