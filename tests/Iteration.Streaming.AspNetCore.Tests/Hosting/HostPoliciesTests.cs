using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Hosting;

/// <summary>The route group MapIterationStream returns takes the host's own policies like any route group.</summary>
public sealed class HostPoliciesTests
{
    [Fact]
    public async Task RequireRateLimiting_OnTheGroup_LimitsEveryEndpoint()
    {
        await using var host = await KestrelTestHost.StartAsync(
            configureServices: b => b.Services.AddRateLimiter(o =>
            {
                o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                o.AddFixedWindowLimiter("one-per-hour", w =>
                {
                    w.PermitLimit = 1;
                    w.Window = TimeSpan.FromHours(1);
                    w.QueueLimit = 0;
                });
            }),
            configureApp: app =>
            {
                app.UseRateLimiter();
                app.MapIterationStream().RequireRateLimiting("one-per-hour");
            });
        var client = host.CreateClient();
        var (id, token) = await host.CreateGenerationLogAsync();
        await host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = host.Now });

        using var first = await client.GetStreamAsync(id, token);
        await first.ReadAllEventsAsync().WithPatience();
        using var second = await client.GetStreamAsync(id, token);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task RequireCors_OnTheGroup_AllowsTheConfiguredOrigin()
    {
        await using var host = await KestrelTestHost.StartAsync(
            configureServices: b => b.Services.AddCors(o => o.AddPolicy("web", p => p.WithOrigins("https://app.example").AllowAnyHeader())),
            configureApp: app =>
            {
                app.UseCors();
                app.MapIterationStream().RequireCors("web");
            });
        var client = host.CreateClient();
        var (id, token) = await host.CreateGenerationLogAsync();
        await host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = host.Now });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{id}/stream?token={token}");
        request.Headers.Add("Origin", "https://app.example");

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("https://app.example");
    }

    [Theory]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/retry")]
    [InlineData("GET", "/stream")]
    public async Task RequireCors_PreflightOfAnActionOrARead_IsAllowed(string method, string suffix)
    {
        // The control token goes in the Authorization header, so a browser on another origin preflights every action.
        await using var host = await KestrelTestHost.StartAsync(
            configureServices: b => b.Services.AddCors(o => o.AddPolicy("web", p => p.WithOrigins("https://app.example").AllowAnyHeader().AllowAnyMethod())),
            configureApp: app =>
            {
                app.UseCors();
                app.MapIterationStream().RequireCors("web");
            });
        var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, $"generations/{Guid.NewGuid()}{suffix}");
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization");

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("https://app.example");
        response.Headers.GetValues("Access-Control-Allow-Methods").Single().Should().Contain(method);
    }

    [Fact]
    public async Task RequireAuthorization_OnTheGroup_RunsBeforeTheStreamToken()
    {
        await using var host = await KestrelTestHost.StartAsync(
            configureServices: b =>
            {
                b.Services.AddAuthentication().AddCookie();
                b.Services.AddAuthorization();
            },
            configureApp: app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapIterationStream().RequireAuthorization();
            });
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var (id, token) = await host.CreateGenerationLogAsync();

        using var response = await client.GetAsync($"generations/{id}/stream?token={token}");

        response.StatusCode.Should().Be(HttpStatusCode.Found, "the host's own scheme challenges the anonymous caller");
        response.Headers.Location!.ToString().Should().Contain("/Account/Login");
    }
}
