using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net;
using Iteration.Streaming.AspNetCore.Security;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Security;

/// <summary>
/// With an owner resolver, start, iterate and retry record the caller, and the recorded owner may act without the
/// control token; anyone else is refused as before.
/// </summary>
public sealed class OwnerResolverTests : IAsyncLifetime
{
    private const string UserHeader = "X-Test-User";

    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            configureStreaming: b => b.AddGenerationOwnerResolver(context => ValueTask.FromResult<string?>(context.Request.Headers[UserHeader].ToString())));
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A generation known only by its record and log (no run of this engine), owned by <paramref name="userId"/>.</summary>
    private async Task<string> OwnedGenerationAsync(string? userId, string status = GenerationStatus.Processing)
    {
        var id = Guid.NewGuid().ToString();
        await _host.EventLog.CreateAsync(id);
        await _host.Records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "Build a task app",
            Entities = ["User"],
            UserId = userId,
            Status = status,
            CreatedAt = _host.Now,
        });
        return id;
    }

    private async Task<HttpResponseMessage> CancelAsync(string id, string? user, string? fetchSite = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"generations/{id}");
        if (user is not null)
        {
            request.Headers.Add(UserHeader, user);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        return await _client.SendAsync(request);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("same-origin")]
    [InlineData("none")]
    public async Task Cancel_ByTheOwnerWithoutAToken_CancelsIt(string? fetchSite)
    {
        var id = await OwnedGenerationAsync("alice");

        using var response = await CancelAsync(id, "alice", fetchSite);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await _host.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("Alice")]
    [InlineData("alice2")]
    public async Task Cancel_ByAnotherUserWithoutAToken_Answers401(string user)
    {
        var id = await OwnedGenerationAsync("alice");

        using var response = await CancelAsync(id, user);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Cancel_AnonymousOnAnUnownedGeneration_Answers401()
    {
        var id = await OwnedGenerationAsync(userId: null);

        using var response = await CancelAsync(id, user: null);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Cancel_EmptyUserOnAGenerationOwnedByNobody_Answers401()
    {
        var id = await OwnedGenerationAsync(userId: null);

        using var response = await CancelAsync(id, user: string.Empty);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("cross-site")]
    [InlineData("same-site")]
    public async Task Cancel_ByTheOwnerFromAnotherSite_Answers401(string fetchSite)
    {
        // A cookie rides along on another site's form post: ownership counts only for the host's own pages.
        var id = await OwnedGenerationAsync("alice");

        using var response = await CancelAsync(id, "alice", fetchSite);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Cancel_ByTheOwnerWithAReadToken_CancelsIt()
    {
        var id = await OwnedGenerationAsync("alice");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"generations/{id}");
        request.Headers.Add(UserHeader, "alice");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _host.Tokens.IssueToken(id));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Cancel_UnknownGenerationAsAUser_Answers401NotRevealingIt()
    {
        using var response = await CancelAsync(Guid.NewGuid().ToString(), "alice");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Iterate_ByTheParentsOwnerWithoutAToken_StartsAnIterationOwnedByThem()
    {
        var parent = await OwnedGenerationAsync("alice", GenerationStatus.Completed);
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations/iterate")
        {
            Content = JsonContent.Create(
                new IterateGenerationRequest { ParentGenerationId = parent, ModificationPrompt = "Add due dates" },
                IterationStreamingJson.IterateGenerationRequest),
        };
        request.Headers.Add(UserHeader, "alice");

        using var response = await _client.SendAsync(request);

        // The hand-made parent saved no files, so the engine refuses it (409): past the gate, which is what this shows.
        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Start_WithAResolvedUser_RecordsTheUserOnTheGeneration()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations")
        {
            Content = JsonContent.Create(new StartGenerationRequest { Prompt = "Build a task app" }, IterationStreamingJson.StartGenerationRequest),
        };
        request.Headers.Add(UserHeader, "alice");

        using var response = await _client.SendAsync(request);
        var started = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);

        (await _host.Records.GetAsync(started!.GenerationId))!.UserId.Should().Be("alice");
    }

    [Fact]
    public async Task Start_Anonymous_RecordsNoUser()
    {
        var started = await _host.StartGenerationAsync(_client);

        (await _host.Records.GetAsync(started.GenerationId))!.UserId.Should().BeNull();
    }

    [Fact]
    public async Task AddGenerationOwnerResolver_Generic_IsResolvedPerRequest()
    {
        await using var host = await KestrelTestHost.StartAsync(configureStreaming: b => b.AddGenerationOwnerResolver<HeaderOwnerResolver>());
        var id = Guid.NewGuid().ToString();
        await host.EventLog.CreateAsync(id);
        await host.Records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "x",
            Entities = [],
            UserId = "carol",
            Status = GenerationStatus.Processing,
            CreatedAt = host.Now,
        });
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"generations/{id}");
        request.Headers.Add(UserHeader, "carol");

        using var response = await host.CreateClient().SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public void AddGenerationOwnerResolver_Generic_IsScopedSoItMayUseScopedServices()
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        builder.AddGenerationOwnerResolver<HeaderOwnerResolver>();

        builder.Services.Should().ContainSingle(d => d.ServiceType == typeof(IGenerationOwnerResolver))
            .Which.Lifetime.Should().Be(ServiceLifetime.Scoped);
    }

    [Fact]
    public void AddGenerationOwnerResolver_NullArguments_Throw()
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        FluentActions.Invoking(() => ((Iteration.Streaming.Hosting.IIterationStreamingBuilder)null!).AddGenerationOwnerResolver<HeaderOwnerResolver>()).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => builder.AddGenerationOwnerResolver(null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void AddGenerationOwnerResolver_Twice_KeepsTheLast()
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        builder.AddGenerationOwnerResolver<HeaderOwnerResolver>().AddGenerationOwnerResolver(_ => ValueTask.FromResult<string?>("x"));

        builder.Services.Where(d => d.ServiceType == typeof(IGenerationOwnerResolver)).Should().ContainSingle()
            .Which.Lifetime.Should().Be(ServiceLifetime.Singleton);
    }

    private sealed class HeaderOwnerResolver : IGenerationOwnerResolver
    {
        public ValueTask<string?> GetUserIdAsync(HttpContext context) => ValueTask.FromResult<string?>(context.Request.Headers[UserHeader].ToString());
    }
}
