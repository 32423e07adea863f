using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Builder;

public sealed class MapIterationStreamTests
{
    [Fact]
    public async Task MapIterationStream_WithoutAddIterationStreaming_ThrowsNamingIt()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var act = () => app.MapIterationStream();

        act.Should().Throw<InvalidOperationException>().WithMessage("*AddIterationStreaming*");
    }

    [Fact]
    public async Task MapIterationStream_ReturnsTheRouteGroupWithEveryEndpoint()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddIterationStreaming().AddPhaseGenerator<InstantPhaseGenerator>();
        await using var app = builder.Build();

        var group = app.MapIterationStream("/api/generations");
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        var endpoints = routes
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .Select(e => (Route: e.RoutePattern.RawText!.TrimEnd('/'), Method: e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single()))
            .ToList();
        var catchAll = routes.Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is null).ToList();

        group.Should().BeOfType<RouteGroupBuilder>();
        endpoints.Should().BeEquivalentTo(new[]
        {
            ("/api/generations", "POST"),
            ("/api/generations/iterate", "POST"),
            ("/api/generations/watch", "POST"),
            ("/api/generations/stream", "GET"),
            ("/api/generations/{id}", "GET"),
            ("/api/generations/{id}", "DELETE"),
            ("/api/generations/{id}/stream", "GET"),
            ("/api/generations/{id}/files", "GET"),
            ("/api/generations/{id}/files/{**path}", "GET"),
            ("/api/generations/{id}/archive", "GET"),
            ("/api/generations/{id}/live", "GET"),
            ("/api/generations/{id}/retry", "POST"),
            ("/api/generations/{id}/input", "POST"),
            ("/api/generations/{id}/diff", "GET"),
            ("/api/generations/{id}/fork", "POST"),
            ("/api/generations/{id}/revert", "POST"),
        });
        catchAll.Should().ContainSingle("the group answers unknown paths with Problem Details")
            .Which.Order.Should().Be(int.MaxValue);
    }

    [Fact]
    public void MapIterationStream_NullArguments_Throw()
    {
        FluentActions.Invoking(() => ((IEndpointRouteBuilder)null!).MapIterationStream()).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task MapIterationStream_NullPrefix_Throws()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddIterationStreaming().AddPhaseGenerator<InstantPhaseGenerator>();
        await using var app = builder.Build();

        FluentActions.Invoking(() => app.MapIterationStream(null!)).Should().Throw<ArgumentNullException>();
    }
}
