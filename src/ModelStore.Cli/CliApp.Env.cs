using System.CommandLine;
using System.Reflection;
using ModelStore.Caching;
using ModelStore.Stores;

namespace ModelStore.Cli;

// modelstore env: what the tool would use, for bug reports and CI logs. Never a credential's value.
public static partial class CliApp
{
    // The variables the stores read credentials and endpoints from; only whether each is set is shown.
    private static readonly string[] EnvironmentVariables =
    [
        StateCache.HomeVariable,
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
        "GH_API_BASIC_AUTH", "GH_TOKEN", "GITHUB_TOKEN",
        "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT",
        "AZURE_STORAGE_CONNECTION_STRING", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET",
    ];

    private static Command EnvCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var env = new Command("env", "Show the cache root, the store kinds this tool knows, and which credential variables are set (never their values).");
        env.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var version = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            var root = parse.GetValue(options.Cache) is { } given ? Path.GetFullPath(given) : Path.GetFullPath(StateCache.DefaultRoot);
            var source = parse.GetValue(options.Cache) is not null ? "--cache" : Environment.GetEnvironmentVariable(StateCache.HomeVariable) is { Length: > 0 } ? StateCache.HomeVariable : "default";
            var kinds = StateStoreRegistry.Default.Kinds.ToList();
            var variables = EnvironmentVariables.Select(name => new EnvVariableDocument(name, !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))).ToList();
            await cli.LineAsync($"{CommandName} {version} on .NET {Environment.Version}").ConfigureAwait(false);
            await cli.LineAsync($"cache root:   {root} ({source}){(Directory.Exists(root) ? "" : ", not created yet")}").ConfigureAwait(false);
            await cli.LineAsync($"store kinds:  {string.Join(", ", kinds)}").ConfigureAwait(false);
            await cli.LineAsync("variables:").ConfigureAwait(false);
            foreach (var variable in variables)
            {
                await cli.LineAsync($"  {variable.Name,-32} {(variable.Set ? "set" : "not set")}").ConfigureAwait(false);
            }

            await cli.JsonAsync(new EnvDocument(version, root, source, kinds, variables)).ConfigureAwait(false);
            return 0;
        }));
        return env;
    }
}
