using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Iteration.Streaming.Packaging.Tests;

/// <summary>
/// The root README's Install and Quick start, done as a new user does them: a <c>dotnet new web</c> app, the packages
/// its <c>dotnet add package</c> lines name from the packed folder, its Program.cs replaced by the Quick start's C# block
/// (read from README.md, never a copy), built once and run as a real process on 127.0.0.1. A generation streams to its
/// end; the app is killed and started again; the same tokens still answer and the files are still there.
/// </summary>
/// <remarks>
/// The Quick start's generator is the README's own (one small file per phase after a short delay that stands in for the
/// model), so nothing is compiled beside the snippet: what the README shows is all there is. The <c>dotnet add package</c>
/// lines are not run (each would restore on its own): the test writes the PackageReference each writes, with the version
/// <c>--prerelease</c> resolves to, the packed one.
/// </remarks>
[Collection(PackagesCollection.Name)]
public sealed partial class QuickStartTests(PackagesFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("iteration-streaming-quickstart-");

    private string Readme => Path.Combine(fixture.RepositoryRoot, "README.md");

    [Fact]
    public void Install_NamesThePackCommandThePreviewVersionAndPrereleasePackages()
    {
        var install = ReadmeSnippets.Read(Readme, "Install");
        var version = PackedVersion();

        install.Text.Should().Contain($"`{version}`", "the Install section names the preview version the packages carry");
        var commands = string.Join('\n', install.Code("bash"));
        commands.Should().Contain($"dotnet pack {PackagesFixture.SolutionFilter}");
        AddedPackages(commands).Should().NotBeEmpty().And.OnlyContain(p => p.Prerelease && p.Source != null, "every package is a preview from the packed folder");
    }

    [Fact]
    public async Task QuickStart_BuiltAsWrittenAndRestarted_AnswersTheSameTokensAndKeepsTheFiles()
    {
        var clock = Stopwatch.StartNew();
        var app = await CreateAppAsync();
        var (buildExit, buildOutput) = await DotNetCli.RunAsync(
            app, ["build", "-c", "Release", "--disable-build-servers", "-o", Path.Combine(_work.FullName, "out")], environment: null, TimeSpan.FromMinutes(4));
        buildExit.Should().Be(0, buildOutput);
        var buildTime = clock.Elapsed;
        var assembly = Path.Combine(_work.FullName, "out", "MyApp.dll");

        string generationId, sseToken, controlToken;
        long lastEventId;
        await using (var first = await StartAsync(assembly, app))
        {
            using var http = Client(first.Address);
            using var started = await PostJsonAsync(http, "generations", """{"prompt": "A task tracker", "entities": ["Task"]}""");
            generationId = started.RootElement.GetProperty("generation_id").GetString()!;
            sseToken = started.RootElement.GetProperty("sse_token").GetString()!;
            controlToken = started.RootElement.GetProperty("control_token").GetString()!;

            var events = await ReadStreamAsync(http, generationId, sseToken, lastEventId: null);

            events[^1].Status.Should().Be("completed", first.Output);
            lastEventId = events[^1].Id;
            await first.KillAsync();
        }

        await using var second = await StartAsync(assembly, app);
        using var again = Client(second.Address);

        using (var snapshot = await GetAsync(again, $"generations/{generationId}", sseToken, HttpStatusCode.OK))
        {
            snapshot.RootElement.GetProperty("status").GetString().Should().Be("completed");
        }

        using (var files = await GetAsync(again, $"generations/{generationId}/files", controlToken, HttpStatusCode.OK))
        {
            files.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString())
                .Should().Equal("phase1.md", "phase2.md", "phase3.md", "phase4.md");
        }

        (await StreamStatusAsync(again, generationId, sseToken, lastEventId)).Should().Be(HttpStatusCode.NoContent, "a resume after the terminal event ends");
        var replay = await ReadStreamAsync(again, generationId, sseToken, lastEventId: lastEventId - 1);
        replay.Should().ContainSingle().Which.Should().Be(new SseEvent(lastEventId, "completed"));
        foreach (var kept in new[] { "data/signing-key", "data/iteration-streaming.db", "data/generations" })
        {
            Path.Exists(Path.Combine(app, kept)).Should().BeTrue($"{kept} outlives the process");
        }

        Console.WriteLine($"Quick start: built in {buildTime.TotalSeconds:F1} s, ran, killed and restarted in {(clock.Elapsed - buildTime).TotalSeconds:F1} s.");
    }

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary><c>dotnet new web</c>, the README's packages and its Program.cs.</summary>
    private async Task<string> CreateAppAsync()
    {
        var app = Path.Combine(_work.FullName, "MyApp");
        var (newExit, newOutput) = await DotNetCli.RunAsync(_work.FullName, ["new", "web", "-o", app, "--no-restore"], environment: null, TimeSpan.FromMinutes(2));
        newExit.Should().Be(0, newOutput);

        var packages = AddedPackages(string.Join('\n', ReadmeSnippets.Read(Readme, "Install").Code("bash")));
        packages.Select(p => p.Id).Should().Contain(["Iteration.Streaming.AspNetCore", "Iteration.Streaming.Sqlite"]);
        var projectFile = Path.Combine(app, "MyApp.csproj");
        var project = XDocument.Load(projectFile);
        project.Root!.Add(new XElement("ItemGroup", packages.Select(p =>
            new XElement("PackageReference", new XAttribute("Include", p.Id), new XAttribute("Version", PackedVersion())))));
        project.Save(projectFile);
        await FolderFeed.WriteNuGetConfigAsync(app, fixture.PackageFolder, fixture.RepositoryRoot, Path.Combine(_work.FullName, "packages"));

        var program = ReadmeSnippets.Read(Readme, "Quick start").Code("csharp").Should().ContainSingle("the Quick start is one Program.cs").Subject;
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);
        return app;
    }

    private string PackedVersion() => fixture.Packages.Select(p => p.Version).Distinct().Should().ContainSingle().Subject;

    private static Task<AppProcess> StartAsync(string assembly, string app) => AppProcess.StartAsync(assembly, app, Patience);

    private static HttpClient Client(Uri address) => new() { BaseAddress = address, Timeout = Patience };

    private static List<(string Id, bool Prerelease, string? Source)> AddedPackages(string commands) =>
        AddPackage().Matches(commands).Select(m => (
            m.Groups["id"].Value,
            m.Groups["options"].Value.Contains("--prerelease", StringComparison.Ordinal),
            Regex.Match(m.Groups["options"].Value, @"--source\s+(\S+)") is { Success: true } source ? source.Groups[1].Value : null)).ToList();

    private static async Task<JsonDocument> PostJsonAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body);
    }

    private static async Task<JsonDocument> GetAsync(HttpClient http, string path, string token, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, body);
        return JsonDocument.Parse(body);
    }

    private static async Task<HttpStatusCode> StreamStatusAsync(HttpClient http, string id, string token, long lastEventId)
    {
        using var request = StreamRequest(id, token, lastEventId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    /// <summary>Reads the SSE stream (the read token in <c>?token=</c>, as EventSource sends it) to its terminal event.</summary>
    private static async Task<List<SseEvent>> ReadStreamAsync(HttpClient http, string id, string token, long? lastEventId)
    {
        using var request = StreamRequest(id, token, lastEventId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<SseEvent>();
        long? eventId = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                eventId = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var data = JsonDocument.Parse(line[6..]);
                var status = data.RootElement.GetProperty("status").GetString()!;
                events.Add(new SseEvent(eventId ?? -1, status));
                if (status is "completed" or "failed" or "cancelled")
                {
                    break;
                }
            }
        }

        return events;
    }

    private static HttpRequestMessage StreamRequest(string id, string token, long? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{id}/stream?token={Uri.EscapeDataString(token)}");
        if (lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return request;
    }

    [GeneratedRegex(@"^dotnet add package (?<id>[\w.]+)(?<options>.*)$", RegexOptions.Multiline)]
    private static partial Regex AddPackage();

    private sealed record SseEvent(long Id, string Status);
}
