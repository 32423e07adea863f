using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Owners;

/// <summary>
/// A Kestrel host whose users sign in with a cookie (ASP.NET Core cookie authentication) and own their generations
/// through <c>AddClaimsOwnerResolver()</c>. <c>POST /test/sign-in/{user}</c> (this test host only) signs a user in with
/// a <c>sub</c> claim; each signed-in user gets a client of their own, whose cookie jar holds that cookie.
/// </summary>
internal sealed class SignedInHost : IAsyncDisposable
{
    public const string SignInPath = "test/sign-in/";

    private SignedInHost(KestrelTestHost host) => Host = host;

    public KestrelTestHost Host { get; }

    public static async Task<SignedInHost> StartAsync(Action<IIterationStreamingBuilder>? configureStreaming = null)
    {
        var host = await KestrelTestHost.StartAsync(
            configureServices: builder =>
            {
                builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
                builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
                {
                    // An API answers 401 itself; no redirect to a login page.
                    o.Events.OnRedirectToLogin = context =>
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        return Task.CompletedTask;
                    };
                });
            },
            configureStreaming: streaming =>
            {
                streaming.AddClaimsOwnerResolver();
                configureStreaming?.Invoke(streaming);
            },
            configureApp: app =>
            {
                app.UseAuthentication();
                app.MapPost("/" + SignInPath + "{user}", (RequestDelegate)(async context =>
                {
                    var user = (string)context.Request.RouteValues["user"]!;
                    var identity = new ClaimsIdentity([new Claim(ClaimsOwnerResolverSubject, user)], CookieAuthenticationDefaults.AuthenticationScheme);
                    await context.SignInAsync(new ClaimsPrincipal(identity));
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                }));
                app.MapIterationStream();
            });
        return new SignedInHost(host);
    }

    private const string ClaimsOwnerResolverSubject = "sub";

    /// <summary>A client signed in as <paramref name="user"/> (its cookie jar holds the authentication cookie).</summary>
    public async Task<HttpClient> SignInAsync(string user)
    {
        var client = Host.CreateClient();
        using var response = await client.PostAsync(SignInPath + Uri.EscapeDataString(user), content: null);
        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        return client;
    }

    /// <summary>
    /// A generation known by its record and (empty) log, owned by <paramref name="userId"/>: lists see exactly these
    /// fields, with the creation time the test chooses.
    /// </summary>
    public async Task<string> AddGenerationAsync(
        string? userId,
        DateTimeOffset createdAt,
        string status = GenerationStatus.Completed,
        string prompt = "Build a task app",
        string? parentGenerationId = null,
        string? retryOf = null)
    {
        var id = Guid.NewGuid().ToString();
        await Host.EventLog.CreateAsync(id);
        await Host.Records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = prompt,
            Entities = ["User"],
            UserId = userId,
            Status = status,
            CreatedAt = createdAt,
            EndedAt = GenerationStatus.IsTerminal(status) ? createdAt.AddMinutes(1) : null,
            ParentGenerationId = parentGenerationId,
            RetryOf = retryOf,
        });
        return id;
    }

    /// <summary>Starts a generation as the client's user and reads its stream with the cookie to the end (a completed run with files).</summary>
    public static async Task<string> StartAndFinishAsync(HttpClient user)
    {
        using var started = await user.PostAsJsonAsync(
            "generations", new StartGenerationRequest { Prompt = "Build a task app", Entities = ["User"] }, IterationStreamingJson.StartGenerationRequest);
        started.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var id = (await started.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!.GenerationId;
        using var stream = await user.GetStreamAsync(id, token: null);
        stream.StatusCode.Should().Be(HttpStatusCode.OK);
        var events = await stream.ReadAllEventsAsync();
        events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
        return id;
    }

    /// <summary>Sends a request as <paramref name="client"/>'s user, with <c>Sec-Fetch-Site</c> when given.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, string? fetchSite = null, string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        return await client.SendAsync(request);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
