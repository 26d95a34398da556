using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.S3;

/// <summary>
/// MoZuMa's S3 layout: <c>{basePath}{backend}/{architecture}[.{extra}...].{trainingId}.pt</c>
/// (the core's <see cref="ObjectStoreLayout"/>, which the Azure Blob store shares).
/// </summary>
public static class S3ObjectNames
{
    /// <summary>The extension MoZuMa gives state objects.</summary>
    public const string Extension = ObjectStoreLayout.Extension;

    /// <summary>The object name of <paramref name="key"/> under <paramref name="basePath"/> (already normalised).</summary>
    public static string GetObjectName(string basePath, StateKey key) => ObjectStoreLayout.GetObjectName(basePath, key);

    /// <summary>
    /// The listing prefix of every state of the type's backend and architecture:
    /// <c>{basePath}{backend}/{architecture}.</c> (the dot keeps <c>clip-image-rn50</c> out of <c>clip</c>).
    /// </summary>
    public static string GetListingPrefix(string basePath, StateType stateType) => ObjectStoreLayout.GetListingPrefix(basePath, stateType);

    /// <summary>Turns an object name back into its key; <see langword="null"/> for any object that is not a state under <paramref name="basePath"/>.</summary>
    public static StateKey? TryParseObjectName(string basePath, string objectName) => ObjectStoreLayout.TryParseObjectName(basePath, objectName);
}
