namespace ModelStore.Build.Tasks;

/// <summary>The message of an <see cref="ArgumentException"/> as a project file's author should read it.</summary>
internal static class ArgumentExceptionText
{
    /// <summary>
    /// The message without the <c> (Parameter 'name')</c> the runtime appends: a provider's message names the setting,
    /// the parameter name means nothing in a project file.
    /// </summary>
    public static string WithoutParameterName(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
