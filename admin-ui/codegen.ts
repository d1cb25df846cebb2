import type { CodegenConfig } from '@graphql-codegen/cli'

// Types come from the committed SDL: when the API changes under the app, codegen or vue-tsc fails the build.
const scalars = { Date: 'string', DateTime: 'string', Decimal: 'string', JSON: 'unknown', ID: 'string' }
const config: CodegenConfig = {
  schema: '../schema/schema.graphql',
  documents: ['src/graphql/**/*.ts'],
  generates: {
    // The client preset: graphql() returns each operation as a typed document (result and variable types
    // travel with it), plus the schema's and every operation's types (<Name>Query, <Name>QueryVariables…).
    'src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // a string, not a parsed DocumentNode: the app posts the text, no graphql runtime in the bundle
        documentMode: 'string',
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars,
        skipTypename: true,
        useTypeImports: true,
      },
    },
  },
  errorsOnly: false,
  silent: false,
}
export default config
