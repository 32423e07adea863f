using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.OpenApi;

/// <summary>The list's operation in the OpenAPI document of a host with an owner resolver.</summary>
public sealed class OpenApiListTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private JsonNode _list = null!;
    private JsonNode _document = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            configureServices: b => b.Services.AddOpenApi("v1"),
            configureStreaming: s => s.AddClaimsOwnerResolver(),
            configureApp: app =>
            {
                app.MapOpenApi("/openapi/{documentName}.json");
                app.MapIterationStream();
            });
        using var client = _host.CreateClient();
        _document = JsonNode.Parse(await client.GetStringAsync(OpenApiTestHost.DocumentPath))!;
        _list = _document["paths"]!["/generations"]!["get"]!;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private JsonNode Parameter(string name) =>
        _list["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!;

    [Fact]
    public void List_IsNamedAndTakesNoToken()
    {
        _list["operationId"]!.GetValue<string>().Should().Be("listGenerations");
        _list["security"].Should().BeNull("the host's own authentication (a cookie) lists, not a stream token");
    }

    [Fact]
    public void List_OwnerIsRequiredAndOnlyMe()
    {
        var owner = Parameter("owner");

        owner["in"]!.GetValue<string>().Should().Be("query");
        owner["required"]!.GetValue<bool>().Should().BeTrue();
        owner["schema"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("me");
    }

    [Fact]
    public void List_StatusIsOneOfTheStatuses()
    {
        Parameter("status")["schema"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>())
            .Should().Equal("queued", "processing", "awaiting_input", "completed", "failed", "cancelled");
    }

    [Fact]
    public void List_LimitIsAnIntegerFrom1To100Defaulting20()
    {
        var limit = Parameter("limit")["schema"]!;

        limit["type"]!.GetValue<string>().Should().Be("integer");
        limit["minimum"]!.GetValue<int>().Should().Be(1);
        limit["maximum"]!.GetValue<int>().Should().Be(100);
        limit["default"]!.GetValue<int>().Should().Be(20);
    }

    [Fact]
    public void List_CursorIsAStringOfAtMost512()
    {
        Parameter("cursor")["schema"]!["maxLength"]!.GetValue<int>().Should().Be(512);
    }

    [Fact]
    public void List_Answers200WithTheGenerationListAndItsErrorsAsProblemDetails()
    {
        var responses = _list["responses"]!;
        var ok = responses["200"]!["content"]!["application/json"]!["schema"]!;

        ok["$ref"]!.GetValue<string>().Should().EndWith("/GenerationList");
        foreach (var status in new[] { "400", "401", "403", "429", "500", "503" })
        {
            responses[status]!["content"]!["application/problem+json"].Should().NotBeNull($"the list can answer {status}");
        }
    }
}
