using System.Net;
using System.Text.Json;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary>The sample's <c>/openapi/v1.json</c>, read over Kestrel: every route of MapIterationStream with its responses.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly int[] Read = [400, 401, 403, 404, 429, 500, 503];
    private static readonly int[] Act = [400, 401, 403, 404, 409, 429, 500, 503];

    public static TheoryData<string, string, string, int[], int[]> Operations => new()
    {
        { "post", "/generations", "startGeneration", [202], [400, 409, 413, 415, 422, 429, 500, 503] },
        { "post", "/generations/iterate", "iterateGeneration", [202], [.. Act, 413, 415, 422] },
        { "post", "/generations/{id}/retry", "retryGeneration", [202], [.. Act, 413, 415, 422] },
        { "post", "/generations/{id}/fork", "forkGeneration", [202], [.. Act, 413, 415, 422] },
        { "post", "/generations/{id}/revert", "revertGeneration", [202], [.. Act, 413, 415, 422] },
        { "post", "/generations/{id}/input", "sendGenerationInput", [202], [.. Act, 413, 415] },
        { "get", "/generations", "listGenerations", [200], [400, 401, 403, 429, 500, 503] },
        { "post", "/generations/watch", "watchGenerations", [200], [400, 401, 403, 413, 415, 429, 500, 503] },
        { "get", "/generations/stream", "streamGenerations", [200, 204], Read },
        { "get", "/generations/{id}", "getGeneration", [200], Read },
        { "delete", "/generations/{id}", "cancelGeneration", [202], Act },
        { "get", "/generations/{id}/stream", "streamGeneration", [200, 204], Read },
        { "get", "/generations/{id}/live", "getLiveGeneration", [200], Read },
        { "get", "/generations/{id}/files", "listGenerationFiles", [200], Read },
        { "get", "/generations/{id}/files/{path}", "getGenerationFile", [200, 206, 304, 412, 416], Read },
        { "get", "/generations/{id}/diff", "diffGeneration", [200], [.. Read, 406] },
        { "get", "/generations/{id}/archive", "getGenerationArchive", [200], Read },
    };

    [Fact]
    public async Task Document_ListsExactlyTheRoutesOfMapIterationStream()
    {
        using var document = await ReadDocumentAsync();

        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(method => $"{method.Name} {path.Name}"));

        operations.Should().BeEquivalentTo(Operations.Select(row => $"{row[0]} {row[1]}"), "the catch-all 404/405 route is not an operation");
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Document_EachOperation_HasItsIdParametersAndEveryResponse(string method, string path, string operationId, int[] successes, int[] problems)
    {
        using var document = await ReadDocumentAsync();

        var operation = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method);

        operation.GetProperty("operationId").GetString().Should().Be(operationId);
        operation.GetProperty("responses").EnumerateObject().Select(r => int.Parse(r.Name)).Should().BeEquivalentTo(successes.Concat(problems));
        foreach (var status in problems)
        {
            operation.GetProperty("responses").GetProperty(status.ToString()).GetProperty("content").GetProperty("application/problem+json")
                .GetProperty("schema").GetProperty("$ref").GetString().Should().EndWith("/ProblemDetails", $"{status} of {operationId} is a Problem Details");
        }

        var pathParameters = operation.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString()).ToList()
            : [];
        pathParameters.Should().BeEquivalentTo(path.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}')));
    }

    [Fact]
    public async Task Document_TheStream_IsTextEventStreamOfProgressEvents_ResumableFromLastEventId()
    {
        using var document = await ReadDocumentAsync();

        var stream = document.RootElement.GetProperty("paths").GetProperty("/generations/{id}/stream").GetProperty("get");

        var content = stream.GetProperty("responses").GetProperty("200").GetProperty("content");
        content.EnumerateObject().Select(c => c.Name).Should().Equal("text/event-stream");
        content.GetProperty("text/event-stream").GetProperty("schema").GetProperty("$ref").GetString().Should().EndWith("/StreamingProgressEvent");
        stream.GetProperty("parameters").EnumerateArray().Select(p => $"{p.GetProperty("in").GetString()}:{p.GetProperty("name").GetString()}")
            .Should().Contain(["header:Last-Event-ID", "query:lastEventId", "query:token"]);
    }

    [Theory]
    [InlineData("/generations", "StartGenerationRequest")]
    [InlineData("/generations/iterate", "IterateGenerationRequest")]
    public async Task Document_StartAndIterate_TakeTheirJsonBodies(string path, string schema)
    {
        using var document = await ReadDocumentAsync();

        var body = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody");

        body.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString().Should().EndWith("/" + schema);
    }

    [Fact]
    public async Task Document_Schemas_UseTheWireNames()
    {
        using var document = await ReadDocumentAsync();

        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        schemas.GetProperty("StreamingProgressEvent").GetProperty("properties").TryGetProperty("generation_id", out _).Should().BeTrue();
        schemas.GetProperty("IterateGenerationRequest").GetProperty("properties").TryGetProperty("parent_generation_id", out _).Should().BeTrue();
        schemas.GetProperty("GenerationStartedResponse").GetProperty("properties").TryGetProperty("sse_token", out _).Should().BeTrue();
        schemas.GetProperty("StartGenerationRequest").GetProperty("properties").TryGetProperty("budget", out _).Should().BeTrue();
        schemas.GetProperty("GenerationBudget").GetProperty("properties").TryGetProperty("max_output_tokens", out _).Should().BeTrue();
        schemas.GetProperty("GenerationList").GetProperty("properties").TryGetProperty("next_cursor", out _).Should().BeTrue();
        schemas.GetProperty("GenerationListItem").GetProperty("properties").TryGetProperty("file_count", out _).Should().BeTrue();
    }

    [Theory]
    [InlineData("/openapi/v2.json")]
    [InlineData("/openapi/..%2F..%2Fappsettings.json")]
    [InlineData("/openapi/v1.yaml.json")]
    public async Task Document_UnknownOrHostileName_Answers404(string url)
    {
        await using var server = await SampleServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await client.GetAsync(url);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private static async Task<JsonDocument> ReadDocumentAsync()
    {
        await using var server = await SampleServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await client.GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
    }
}
