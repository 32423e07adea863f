using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.AspNetCore.Tests.Changes;

/// <summary>
/// A Kestrel host on the file-system sink (a temporary folder) with the <see cref="ScriptedChangesGenerator"/>, and the
/// HTTP calls of the change tests: start and follow a run to its end, iterate, diff, fork, revert, download files.
/// </summary>
internal sealed class ChangesHost : IAsyncDisposable
{
    private ChangesHost(KestrelTestHost host, string root, ScriptedChangesGenerator generator)
    {
        Host = host;
        Root = root;
        Generator = generator;
        Client = host.CreateClient();
    }

    public KestrelTestHost Host { get; }

    /// <summary>The file-system sink's folder.</summary>
    public string Root { get; }

    public ScriptedChangesGenerator Generator { get; }

    public HttpClient Client { get; }

    public static async Task<ChangesHost> StartAsync(Action<IterationStreamingOptions>? configure = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "iteration-streaming-changes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var generator = new ScriptedChangesGenerator();
        var host = await KestrelTestHost.StartAsync(configureOptions: configure, generator: generator, fileSinkRoot: root);
        return new ChangesHost(host, root, generator);
    }

    /// <summary>Where the sink keeps the content of <paramref name="sha256"/> (its content-addressed store).</summary>
    public string ContentPath(string sha256) => Path.Combine(Root, ".content", sha256[..2], sha256);

    /// <summary>Starts a generation (entities <paramref name="entities"/>: 3 + their count phases) and reads its stream to its end.</summary>
    public async Task<(GenerationStartedResponse Started, List<StreamingProgressEvent> Events)> CompletedAsync(params string[] entities)
    {
        var started = await Host.StartGenerationAsync(Client, entities: entities.Length == 0 ? ["User"] : entities);
        return (started, await EventsAsync(started));
    }

    /// <summary>Iterates <paramref name="parent"/> and reads the iteration's stream to its end.</summary>
    public async Task<(GenerationStartedResponse Started, List<StreamingProgressEvent> Events)> IteratedAsync(GenerationStartedResponse parent, string prompt = "Change the shared file")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations/iterate")
        {
            Content = JsonContent.Create(new IterateGenerationRequest { ParentGenerationId = parent.GenerationId, ModificationPrompt = prompt }, IterationStreamingJson.IterateGenerationRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", parent.ControlToken);
        using var response = await Client.SendAsync(request);
        var started = await StartedAsync(response);
        return (started, await EventsAsync(started));
    }

    /// <summary>Every event of <paramref name="started"/>, read until its terminal one.</summary>
    public async Task<List<StreamingProgressEvent>> EventsAsync(GenerationStartedResponse started)
    {
        using var stream = await Client.GetStreamAsync(started.GenerationId, started.SseToken);
        var items = await stream.ReadAllEventsAsync().WithPatience();
        return [.. items.Select(i => i.ToProgressEvent())];
    }

    /// <summary>The 202 body; fails with the answer when it is not 202.</summary>
    public static async Task<GenerationStartedResponse> StartedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        return System.Text.Json.JsonSerializer.Deserialize(body, IterationStreamingJson.GenerationStartedResponse)!;
    }

    /// <summary><c>GET {id}/diff?against=…</c> with <paramref name="token"/> as Bearer (none when null).</summary>
    public Task<HttpResponseMessage> DiffAsync(string id, string? token, string? against, string? againstToken = null, string? accept = null, string? extraQuery = null)
    {
        var query = new List<string>();
        if (against is not null)
        {
            query.Add("against=" + Uri.EscapeDataString(against));
        }

        if (againstToken is not null)
        {
            query.Add("against_token=" + Uri.EscapeDataString(againstToken));
        }

        if (extraQuery is not null)
        {
            query.Add(extraQuery);
        }

        var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{id}/diff" + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query)));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return SendAndDisposeAsync(request);
    }

    /// <summary>The JSON diff, which must be answered 200.</summary>
    public async Task<GenerationDiff> DiffJsonAsync(GenerationStartedResponse generation, string against, string? againstToken = null)
    {
        using var response = await DiffAsync(generation.GenerationId, generation.SseToken, against, againstToken);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return System.Text.Json.JsonSerializer.Deserialize(body, IterationStreamingJson.GenerationDiff)!;
    }

    /// <summary>POSTs <paramref name="json"/> to <c>{id}/{action}</c> with <paramref name="token"/> as Bearer (none when null).</summary>
    public Task<HttpResponseMessage> PostAsync(string id, string action, string? token, string json, string contentType = "application/json", string? idempotencyKey = null, string? query = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{id}/{action}" + (query is null ? string.Empty : "?" + query))
        {
            Content = new StringContent(json, Encoding.UTF8, contentType),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return SendAndDisposeAsync(request);
    }

    /// <summary>Every saved file of <paramref name="generation"/>, downloaded through the files routes.</summary>
    public async Task<SortedDictionary<string, byte[]>> FilesAsync(GenerationStartedResponse generation)
    {
        var list = await FileListAsync(generation);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in list.Files)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{generation.GenerationId}/files/{file.Path}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", generation.SseToken);
            using var response = await Client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK, file.Path);
            files[file.Path] = await response.Content.ReadAsByteArrayAsync();
        }

        return files;
    }

    /// <summary>The file list of <paramref name="generation"/> (paths, hashes, who wrote them).</summary>
    public async Task<GenerationFileList> FileListAsync(GenerationStartedResponse generation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{generation.GenerationId}/files");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", generation.SseToken);
        using var response = await Client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationFileList))!;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }

    private async Task<HttpResponseMessage> SendAndDisposeAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await Client.SendAsync(request);
        }
    }
}
