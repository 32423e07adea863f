namespace Iteration.Streaming.Sample.Web.Demo;

/// <summary>The files the demo "model" writes: a small, realistic ASP.NET Core web API per entity.</summary>
internal static class DemoTemplates
{
    public static IEnumerable<(string Path, string Content)> Core(string appName) =>
    [
        ($"{appName}.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <RootNamespace>{appName}</RootNamespace>
              </PropertyGroup>
            </Project>
            """),
        ("src/Infrastructure/IRepository.cs", $$"""
            namespace {{appName}}.Infrastructure;

            public interface IRepository<T> where T : class
            {
                Task<IReadOnlyList<T>> ListAsync(CancellationToken cancellationToken);
                Task<T?> FindAsync(Guid id, CancellationToken cancellationToken);
                Task AddAsync(T item, CancellationToken cancellationToken);
                Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken);
            }
            """),
        ("src/Infrastructure/InMemoryStore.cs", $$"""
            using System.Collections.Concurrent;

            namespace {{appName}}.Infrastructure;

            public sealed class InMemoryStore<T> where T : class
            {
                public ConcurrentDictionary<Guid, T> Items { get; } = new();
            }
            """),
        ("src/Infrastructure/Entity.cs", $$"""
            namespace {{appName}}.Infrastructure;

            public abstract record Entity
            {
                public Guid Id { get; init; } = Guid.NewGuid();
                public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
            }
            """),
        ("appsettings.json", """
            {
              "Logging": { "LogLevel": { "Default": "Information" } },
              "AllowedHosts": "*"
            }
            """),
    ];

    public static IEnumerable<(string Path, string Content)> Entity(string appName, string entity)
    {
        var plural = entity.EndsWith('s') ? entity + "es" : entity + "s";
        var lower = char.ToLowerInvariant(entity[0]) + entity[1..];
        return
        [
            ($"src/Models/{entity}.cs", $$"""
                using {{appName}}.Infrastructure;

                namespace {{appName}}.Models;

                public sealed record {{entity}} : Entity
                {
                    public required string Name { get; init; }
                    public string? Description { get; init; }
                }
                """),
            ($"src/Repositories/{entity}Repository.cs", $$"""
                using {{appName}}.Infrastructure;
                using {{appName}}.Models;

                namespace {{appName}}.Repositories;

                public sealed class {{entity}}Repository(InMemoryStore<{{entity}}> store) : IRepository<{{entity}}>
                {
                    public Task<IReadOnlyList<{{entity}}>> ListAsync(CancellationToken cancellationToken) =>
                        Task.FromResult<IReadOnlyList<{{entity}}>>(store.Items.Values.OrderBy(x => x.CreatedAt).ToList());

                    public Task<{{entity}}?> FindAsync(Guid id, CancellationToken cancellationToken) =>
                        Task.FromResult(store.Items.GetValueOrDefault(id));

                    public Task AddAsync({{entity}} item, CancellationToken cancellationToken)
                    {
                        store.Items[item.Id] = item;
                        return Task.CompletedTask;
                    }

                    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken) =>
                        Task.FromResult(store.Items.TryRemove(id, out _));
                }
                """),
            ($"src/Endpoints/{entity}Endpoints.cs", $$"""
                using {{appName}}.Models;
                using {{appName}}.Repositories;

                namespace {{appName}}.Endpoints;

                public static class {{entity}}Endpoints
                {
                    public static RouteGroupBuilder Map{{plural}}(this IEndpointRouteBuilder app)
                    {
                        var group = app.MapGroup("/{{plural.ToLowerInvariant()}}");
                        group.MapGet("/", ({{entity}}Repository repository, CancellationToken ct) => repository.ListAsync(ct));
                        group.MapGet("/{id:guid}", async (Guid id, {{entity}}Repository repository, CancellationToken ct) =>
                            await repository.FindAsync(id, ct) is { } {{lower}} ? Results.Ok({{lower}}) : Results.NotFound());
                        group.MapPost("/", async ({{entity}} {{lower}}, {{entity}}Repository repository, CancellationToken ct) =>
                        {
                            await repository.AddAsync({{lower}}, ct);
                            return Results.Created($"/{{plural.ToLowerInvariant()}}/{{{lower}}.Id}", {{lower}});
                        });
                        group.MapDelete("/{id:guid}", async (Guid id, {{entity}}Repository repository, CancellationToken ct) =>
                            await repository.RemoveAsync(id, ct) ? Results.NoContent() : Results.NotFound());
                        return group;
                    }
                }
                """),
            ($"tests/{entity}RepositoryTests.cs", $$"""
                using {{appName}}.Infrastructure;
                using {{appName}}.Models;
                using {{appName}}.Repositories;
                using Xunit;

                namespace {{appName}}.Tests;

                public sealed class {{entity}}RepositoryTests
                {
                    [Fact]
                    public async Task AddAsync_ThenFindAsync_ReturnsTheItem()
                    {
                        var repository = new {{entity}}Repository(new InMemoryStore<{{entity}}>());
                        var item = new {{entity}} { Name = "first" };

                        await repository.AddAsync(item, CancellationToken.None);

                        Assert.Equal(item, await repository.FindAsync(item.Id, CancellationToken.None));
                    }
                }
                """),
        ];
    }

    public static IEnumerable<(string Path, string Content)> Support(string appName) =>
    [
        ("README.md", $"# {appName}\n\nGenerated by the Iteration.Streaming demo generator.\n\n    dotnet run\n"),
        (".gitignore", "bin/\nobj/\n"),
        ("src/Infrastructure/ErrorHandling.cs", $$"""
            namespace {{appName}}.Infrastructure;

            public static class ErrorHandling
            {
                public static IApplicationBuilder UseProblemDetailsForErrors(this IApplicationBuilder app) =>
                    app.UseExceptionHandler(errors => errors.Run(context => Results.Problem().ExecuteAsync(context)));
            }
            """),
        ("Dockerfile", $"FROM mcr.microsoft.com/dotnet/aspnet:10.0\nWORKDIR /app\nCOPY out/ .\nENTRYPOINT [\"dotnet\", \"{appName}.dll\"]\n"),
        ("tests/Tests.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            </Project>
            """),
    ];

    public static IEnumerable<(string Path, string Content)> MainApplication(string appName, IReadOnlyList<string> entities)
    {
        var registrations = string.Join("\n", entities.Select(e =>
            $"builder.Services.AddSingleton<InMemoryStore<{e}>>();\nbuilder.Services.AddScoped<{e}Repository>();"));
        var maps = string.Join("\n", entities.Select(e => $"app.Map{(e.EndsWith('s') ? e + "es" : e + "s")}();"));
        var resources = string.Join(", ", entities.Select(e => "\"/" + e.ToLowerInvariant() + "s\""));
        return
        [
            ("Program.cs", $"""
                using {appName}.Endpoints;
                using {appName}.Infrastructure;
                using {appName}.Models;
                using {appName}.Repositories;

                var builder = WebApplication.CreateBuilder(args);
                {registrations}
                builder.Services.AddProblemDetails();

                var app = builder.Build();
                app.UseProblemDetailsForErrors();
                {maps}
                app.MapGet("/health", () => Results.Ok("healthy"));
                app.Run();
                """),
            ("Properties/launchSettings.json", """
                {
                  "profiles": {
                    "http": { "commandName": "Project", "applicationUrl": "http://localhost:5080" }
                  }
                }
                """),
            ("wwwroot/index.html", $$"""
                <!doctype html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <title>{{appName}}</title>
                  <link rel="stylesheet" href="site.css">
                </head>
                <body>
                  <h1>{{appName}}</h1>
                  <ul id="items"></ul>
                  <script type="module" src="app.js"></script>
                </body>
                </html>
                """),
            ("wwwroot/app.js", $$"""
                const list = document.getElementById("items");
                for (const resource of [{{resources}}]) {
                  const response = await fetch(resource);
                  for (const item of await response.json()) {
                    const li = document.createElement("li");
                    li.textContent = `${resource}: ${JSON.stringify(item)}`;
                    list.append(li);
                  }
                }
                """),
            ("wwwroot/site.css", """
                body { font-family: system-ui, sans-serif; margin: 2rem; }
                h1 { font-size: 1.5rem; }
                """),
        ];
    }
}
