using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Iteration.Streaming.Sample.Web.Demo;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// The sample's demo identity: "Sign in as" any name, no password, kept in an HttpOnly, SameSite=Strict cookie (Secure
/// over HTTPS). The name is the owner of the generations started while signed in, so the page lists and opens them by
/// ownership instead of keeping tokens in the browser. Anyone who types the same name is the same user: a demo, not
/// authentication. A real host plugs its own sign-in (OpenID Connect, Identity) into the same <c>AddClaimsOwnerResolver()</c>.
/// </summary>
internal static class DemoSignIn
{
    /// <summary>The longest name accepted, in UTF-16 code units.</summary>
    public const int MaxNameLength = 40;

    /// <summary>The cookie's name.</summary>
    public const string CookieName = "iteration-sample-identity";

    /// <summary>The largest sign-in body read; anything longer is refused before it is parsed.</summary>
    private const int MaxBodyBytes = 1024;

    /// <summary>Cookie authentication, with the data-protection keys that sign the cookie in <c>Sample:KeysFolder</c>.</summary>
    public static void Add(WebApplicationBuilder builder, string keysFolder)
    {
        // Kept beside the sample's other data, so a restart keeps everyone signed in (the default folder is in $HOME).
        builder.Services.AddDataProtection()
            .SetApplicationName("Iteration.Streaming.Sample.Web")
            .PersistKeysToFileSystem(new DirectoryInfo(keysFolder));
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                o.SlidingExpiration = true;
                // An API answers 401/403; it never redirects to a login page.
                o.Events.OnRedirectToLogin = static context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToAccessDenied = static context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });
    }

    /// <summary>The caller's demo name, or <see langword="null"/> when not signed in.</summary>
    public static string? UserName(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? context.User.FindFirstValue(ClaimTypes.NameIdentifier) : null;

    /// <summary><c>GET /account</c> (<c>{"name": null}</c> when signed out), <c>POST /account/sign-in</c> <c>{"name": "..."}</c>, <c>POST /account/sign-out</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        // Not part of the library's API, so not in the OpenAPI document either.
        var account = app.MapGroup("/account").ExcludeFromDescription();
        // Signed out is an answer, not an error: the page asks at every load, and a 401 would be a console error each time.
        account.MapGet(string.Empty, static (HttpContext context) =>
            Results.Json(new DemoAccount(UserName(context), Demo: true), DemoJsonContext.Default.DemoAccount));
        account.MapPost("/sign-in", (Func<HttpContext, Task<IResult>>)SignInAsync);
        account.MapPost("/sign-out", (Func<HttpContext, Task<IResult>>)SignOutAsync);
    }

    /// <summary>
    /// A name is 1 to <see cref="MaxNameLength"/> characters after trimming, with no control or format characters (no
    /// line breaks, no bidirectional overrides): it is shown on the page and becomes the owner id of generations.
    /// </summary>
    /// <returns>The error naming <c>name</c>, or <see langword="null"/> when the name is valid.</returns>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "name is required: the name to sign in as, such as \"alice\".";
        }

        if (name.Length > MaxNameLength)
        {
            return $"name must be at most {MaxNameLength} characters, but was {name.Length}.";
        }

        for (var i = 0; i < name.Length;)
        {
            // Whole code points, so an emoji passes and a lone surrogate does not.
            if (System.Text.Rune.DecodeFromUtf16(name.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return string.Create(CultureInfo.InvariantCulture, $"name is not valid text (a lone surrogate U+{(int)name[i]:X4}).");
            }

            if (System.Text.Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse)
            {
                return string.Create(CultureInfo.InvariantCulture, $"name may not contain control or invisible characters (U+{rune.Value:X4}).");
            }

            i += used;
        }

        return null;
    }

    private static async Task<IResult> SignInAsync(HttpContext context)
    {
        if (CrossSite(context))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, detail: "Sign-in is refused from another site.");
        }

        if (!context.Request.HasJsonContentType())
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, detail: "Send the name as JSON: {\"name\": \"alice\"} with Content-Type: application/json.");
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"The sign-in body must be at most {MaxBodyBytes} bytes.");
        }

        DemoSignInRequest? request;
        try
        {
            // A chunked body has no length up front: read at most one byte past the cap.
            using var buffer = new MemoryStream();
            var chunk = new byte[MaxBodyBytes + 1];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk.AsMemory(0, MaxBodyBytes + 1 - (int)buffer.Length), context.RequestAborted)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > MaxBodyBytes)
                {
                    return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"The sign-in body must be at most {MaxBodyBytes} bytes.");
                }
            }

            request = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), DemoJsonContext.Default.DemoSignInRequest);
        }
        catch (JsonException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "The body is not valid JSON: send {\"name\": \"alice\"}.");
        }

        var name = request?.Name?.Trim();
        if (Validate(name) is { } error)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [error] }, detail: error);
        }

        // The name-identifier claim is what AddClaimsOwnerResolver() takes as the owner (there is no "sub" here).
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, name!), new Claim(ClaimTypes.Name, name!)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return Results.Json(new DemoAccount(name!, Demo: true), DemoJsonContext.Default.DemoAccount);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context)
    {
        if (CrossSite(context))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, detail: "Sign-out is refused from another site.");
        }

        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.NoContent();
    }

    // As the library refuses actions by ownership: a browser marks another site's request, and it may not sign anyone in or out.
    private static bool CrossSite(HttpContext context) =>
        context.Request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site && site is not ("same-origin" or "none");
}
