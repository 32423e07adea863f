using System.Text.Json;
using System.Text.Json.Nodes;

namespace Iteration.Streaming.AspNetCore.Tests.OpenApi;

/// <summary>The OpenAPI document a host's <c>AddOpenApi()</c> builds from MapIterationStream's endpoints.</summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private JsonNode _document = null!;

    public async Task InitializeAsync()
    {
        _host = await OpenApiTestHost.StartAsync();
        using var client = _host.CreateClient();
        _document = JsonNode.Parse(await client.GetStringAsync(OpenApiTestHost.DocumentPath))!;
        var dump = Environment.GetEnvironmentVariable("OPENAPI_DUMP");
        if (!string.IsNullOrEmpty(dump))
        {
            await File.WriteAllTextAsync(dump, _document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private JsonNode Operation(string path, string method) => _document["paths"]![path]![method]!;

    /// <summary>The body's schema, followed to its component when it is a reference (or an optional one: null or a reference).</summary>
    private JsonNode BodySchema(string path)
    {
        var schema = Operation(path, "post")["requestBody"]!["content"]!["application/json"]!["schema"]!;
        schema = schema["oneOf"]?.AsArray().FirstOrDefault(s => s!["$ref"] is not null) ?? schema;
        return schema["$ref"]?.GetValue<string>() is { } reference
            ? _document["components"]!["schemas"]![reference.Split('/')[^1]]!
            : schema;
    }

    [Fact]
    public void Document_DeclaresTheTwoBearerSchemes()
    {
        var schemes = _document["components"]!["securitySchemes"]!;

        schemes["sse_token"]!["type"]!.GetValue<string>().Should().Be("http");
        schemes["sse_token"]!["scheme"]!.GetValue<string>().Should().Be("bearer");
        schemes["control_token"]!["type"]!.GetValue<string>().Should().Be("http");
        schemes["control_token"]!["scheme"]!.GetValue<string>().Should().Be("bearer");
    }

    [Theory]
    [InlineData("/generations/{id}", "get", "sse_token,control_token")]
    [InlineData("/generations/{id}/stream", "get", "sse_token,control_token")]
    [InlineData("/generations/{id}/files", "get", "sse_token,control_token")]
    [InlineData("/generations/{id}/files/{path}", "get", "sse_token,control_token")]
    [InlineData("/generations/{id}/archive", "get", "sse_token,control_token")]
    [InlineData("/generations/{id}/live", "get", "sse_token,control_token")]
    [InlineData("/generations/{id}", "delete", "control_token")]
    [InlineData("/generations/{id}/retry", "post", "control_token")]
    [InlineData("/generations/iterate", "post", "control_token")]
    [InlineData("/generations/{id}/input", "post", "control_token")]
    [InlineData("/generations/{id}/diff", "get", "sse_token,control_token")]
    [InlineData("/generations/{id}/fork", "post", "control_token")]
    [InlineData("/generations/{id}/revert", "post", "control_token")]
    public void Operation_NamesTheTokensItTakes(string path, string method, string schemes)
    {
        var security = Operation(path, method)["security"]!.AsArray();

        security.Select(requirement => string.Join(",", requirement!.AsObject().Select(p => p.Key))).Should().Equal(schemes.Split(','));
    }

    [Fact]
    public void Start_TakesNoTokenAndRequiresANonNullPrompt()
    {
        var start = Operation("/generations", "post");
        var schema = BodySchema("/generations");

        start["security"].Should().BeNull();
        start["requestBody"]!["required"]!.GetValue<bool>().Should().BeTrue();
        schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("prompt");
        schema["properties"]!["prompt"]!["type"]!.GetValue<string>().Should().Be("string", "a required prompt is never null");
        schema["properties"]!["entities"]!["items"]!["type"]!.GetValue<string>().Should().Be("string");
    }

    [Fact]
    public void Iterate_RequiresBothFieldsNonNull()
    {
        var schema = BodySchema("/generations/iterate");

        schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).Should().BeEquivalentTo("parent_generation_id", "modification_prompt");
        schema["properties"]!["modification_prompt"]!["type"]!.GetValue<string>().Should().Be("string");
    }

    [Theory]
    [InlineData("/generations", "post")]
    [InlineData("/generations/iterate", "post")]
    [InlineData("/generations/{id}/retry", "post")]
    [InlineData("/generations/{id}/fork", "post")]
    [InlineData("/generations/{id}/revert", "post")]
    public void Admissions_TakeAnOptionalIdempotencyKey(string path, string method)
    {
        var parameter = Operation(path, method)["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "Idempotency-Key")!;

        parameter["in"]!.GetValue<string>().Should().Be("header");
        (parameter["required"]?.GetValue<bool>() ?? false).Should().BeFalse();
        parameter["schema"]!["maxLength"]!.GetValue<int>().Should().Be(255);
    }

    [Fact]
    public void SendInput_IsNamedAndTakesARequiredInputBodyAndAnswers202WithTheAcceptedShape()
    {
        var input = Operation("/generations/{id}/input", "post");
        var schema = BodySchema("/generations/{id}/input");
        var accepted = input["responses"]!["202"]!["content"]!["application/json"]!["schema"]!;
        var acceptedSchema = accepted["$ref"]?.GetValue<string>() is { } reference
            ? _document["components"]!["schemas"]![reference.Split('/')[^1]]!
            : accepted;

        input["operationId"]!.GetValue<string>().Should().Be("sendGenerationInput");
        input["requestBody"]!["required"]!.GetValue<bool>().Should().BeTrue();
        schema["properties"]!.AsObject().Select(p => p.Key).Should().Contain(["action", "instruction", "phases", "files", "paths"]);
        accepted["$ref"]!.GetValue<string>().Should().EndWith("/GenerationInputAccepted");
        acceptedSchema["properties"]!.AsObject().Should().HaveCount(4, "generation_id, action, event_id, status");
        input["parameters"]!.AsArray().Should().Contain(p => p!["name"]!.GetValue<string>() == "id" && p["in"]!.GetValue<string>() == "path");
    }

    [Theory]
    [InlineData("/generations")]
    [InlineData("/generations/iterate")]
    [InlineData("/generations/{id}/retry")]
    public void Admissions_DescribeTheOptionalReviewAsOnTheWire(string path)
    {
        var schema = BodySchema(path);
        var review = schema["properties"]!["review"]!;
        var afterPhases = review["properties"]!["after_phases"]!["oneOf"]!.AsArray();

        (schema["required"]?.AsArray().Select(n => n!.GetValue<string>()) ?? []).Should().NotContain("review");
        review["properties"]!["plan"]!["type"]!.GetValue<string>().Should().Be("boolean");
        afterPhases.Select(s => s!["type"]!.GetValue<string>()).Should().Equal("array", "string");
        afterPhases[0]!["items"]!["type"]!.GetValue<string>().Should().Be("integer");
        afterPhases[1]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("all");
    }

    [Theory]
    [InlineData("/generations")]
    [InlineData("/generations/iterate")]
    [InlineData("/generations/{id}/retry")]
    public void Admissions_DescribeTheOptionalBudgetAsOnTheWire(string path)
    {
        var schema = BodySchema(path);
        var budget = schema["properties"]!["budget"]!;

        (schema["required"]?.AsArray().Select(n => n!.GetValue<string>()) ?? []).Should().NotContain("budget");
        budget["type"]!.GetValue<string>().Should().Be("object");
        foreach (var limit in new[] { "max_output_tokens", "max_total_tokens" })
        {
            budget["properties"]![limit]!["type"]!.GetValue<string>().Should().Be("integer");
            budget["properties"]![limit]!["minimum"]!.GetValue<int>().Should().Be(1);
        }
    }

    [Fact]
    public void Document_WithoutAnOwnerResolver_HasNoList()
    {
        _document["paths"]!["/generations"]!["get"].Should().BeNull("the list exists only for hosts that know their users");
    }

    [Fact]
    public void Retry_TakesAnOptionalBody()
    {
        var retry = Operation("/generations/{id}/retry", "post");

        retry["requestBody"].Should().NotBeNull();
        (retry["requestBody"]!["required"]?.GetValue<bool>() ?? false).Should().BeFalse("a retry without a body runs as before");
    }

    [Theory]
    [InlineData("/generations/{id}/diff", "get", "diffGeneration")]
    [InlineData("/generations/{id}/fork", "post", "forkGeneration")]
    [InlineData("/generations/{id}/revert", "post", "revertGeneration")]
    public void ChangeOperations_AreNamed(string path, string method, string operationId)
    {
        Operation(path, method)["operationId"]!.GetValue<string>().Should().Be(operationId);
    }

    [Fact]
    public void Diff_RequiresAgainstAndAnswersJsonOrAPatch()
    {
        var diff = Operation("/generations/{id}/diff", "get");
        var parameters = diff["parameters"]!.AsArray();
        var against = parameters.Single(p => p!["name"]!.GetValue<string>() == "against")!;
        var content = diff["responses"]!["200"]!["content"]!.AsObject();

        against["in"]!.GetValue<string>().Should().Be("query");
        against["required"]!.GetValue<bool>().Should().BeTrue();
        against["schema"]!["type"]!.GetValue<string>().Should().Be("string");
        parameters.Should().Contain(p => p!["name"]!.GetValue<string>() == "against_token" && p["in"]!.GetValue<string>() == "query");
        content["application/json"]!["schema"]!["$ref"]!.GetValue<string>().Should().EndWith("/GenerationDiff");
        content["text/x-diff"]!["schema"]!["type"]!.GetValue<string>().Should().Be("string");
    }

    [Fact]
    public void Fork_RequiresAnIntegerFromPhaseOfOneOrMoreAndAnswersTheStartedShape()
    {
        var fork = Operation("/generations/{id}/fork", "post");
        var schema = BodySchema("/generations/{id}/fork");

        fork["requestBody"]!["required"]!.GetValue<bool>().Should().BeTrue();
        schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("from_phase");
        schema["properties"]!["from_phase"]!["type"]!.GetValue<string>().Should().Be("integer");
        schema["properties"]!["from_phase"]!["minimum"]!.GetValue<int>().Should().Be(1);
        schema["properties"]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo("from_phase", "modification_prompt", "review", "budget");
        fork["responses"]!["202"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>().Should().EndWith("/GenerationStartedResponse");
    }

    [Fact]
    public void Live_IsNamedAndAnswersTheLiveShapeWithItsFiles()
    {
        var live = Operation("/generations/{id}/live", "get");
        var reference = live["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        var schema = _document["components"]!["schemas"]![reference.Split('/')[^1]]!;

        live["operationId"]!.GetValue<string>().Should().Be("getLiveGeneration");
        reference.Should().EndWith("/GenerationLive");
        // Named by the host's JSON options (this host sets none): compared without the naming policy.
        schema["properties"]!.AsObject().Select(p => p.Key.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant())
            .Should().BeEquivalentTo("generationid", "status", "phase", "sequence", "currentfile", "files");
        live["parameters"]!.AsArray().Should().Contain(p => p!["name"]!.GetValue<string>() == "token" && p["in"]!.GetValue<string>() == "query");
    }

    [Fact]
    public void Revert_RequiresDistinctPathsAndTo()
    {
        var revert = Operation("/generations/{id}/revert", "post");
        var schema = BodySchema("/generations/{id}/revert");

        revert["requestBody"]!["required"]!.GetValue<bool>().Should().BeTrue();
        schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).Should().BeEquivalentTo("paths", "to");
        schema["properties"]!["paths"]!["type"]!.GetValue<string>().Should().Be("array");
        schema["properties"]!["paths"]!["minItems"]!.GetValue<int>().Should().Be(1);
        schema["properties"]!["paths"]!["uniqueItems"]!.GetValue<bool>().Should().BeTrue();
        schema["properties"]!["to"]!["type"]!.GetValue<string>().Should().Be("string");
        revert["parameters"]!.AsArray().Should().Contain(p => p!["name"]!.GetValue<string>() == "to_token" && p["in"]!.GetValue<string>() == "query");
    }

    [Fact]
    public void FilePath_IsMarkedAsAllowingSlashes()
    {
        var path = Operation("/generations/{id}/files/{path}", "get")["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "path")!;

        path["in"]!.GetValue<string>().Should().Be("path");
        path["x-allow-reserved"]!.GetValue<bool>().Should().BeTrue();
    }

    public static TheoryData<string, string, int[]> Statuses => new()
    {
        { "/generations", "post", [400, 409, 413, 415, 422, 429, 500, 503] },
        { "/generations/iterate", "post", [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503] },
        { "/generations/{id}/retry", "post", [400, 401, 403, 404, 409, 422, 429, 500, 503] },
        { "/generations/{id}/input", "post", [400, 401, 403, 404, 409, 413, 415, 429, 500, 503] },
        { "/generations/{id}", "delete", [400, 401, 403, 404, 409, 429, 500, 503] },
        { "/generations/{id}", "get", [400, 401, 403, 404, 429, 500, 503] },
        { "/generations/{id}/stream", "get", [400, 401, 403, 404, 429, 500, 503] },
        { "/generations/{id}/files", "get", [400, 401, 403, 404, 429, 500, 503] },
        { "/generations/{id}/files/{path}", "get", [400, 401, 403, 404, 429, 500, 503] },
        { "/generations/{id}/archive", "get", [400, 401, 403, 404, 429, 500, 503] },
        { "/generations/{id}/live", "get", [400, 401, 403, 404, 429, 500, 503] },
        { "/generations/{id}/diff", "get", [400, 401, 403, 404, 406, 429, 500, 503] },
        { "/generations/{id}/fork", "post", [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503] },
        { "/generations/{id}/revert", "post", [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503] },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public void Operation_DescribesEveryErrorStatusAsProblemDetails(string path, string method, int[] statuses)
    {
        var responses = Operation(path, method)["responses"]!.AsObject();

        foreach (var status in statuses)
        {
            var response = responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            response.Should().NotBeNull($"{method} {path} can answer {status}");
            response!["content"]!["application/problem+json"].Should().NotBeNull($"{method} {path} answers {status} as Problem Details");
        }
    }
}
