import type { CodegenConfig } from '@graphql-codegen/cli'

// Types come from the committed SDL: when the API changes under the app, codegen or vue-tsc fails the build.
const config: CodegenConfig = {
  schema: '../schema/schema.graphql',
  documents: ['src/graphql/**/*.ts', 'src/graphql/**/*.graphql'],
  generates: {
    // The whole schema's types (inputs, enums, objects)…
    'src/generated/schema.ts': {
      plugins: ['typescript'],
      config: { enumsAsTypes: true, scalars: { Date: 'string', DateTime: 'string', JSON: 'unknown', ID: 'string' } },
    },
    // …and, self-contained, the result and variable types of the app's own operations.
    'src/generated/graphql.ts': {
      plugins: ['typescript-operations'],
      config: {
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: { Date: 'string', DateTime: 'string', JSON: 'unknown', ID: 'string' },
        skipTypename: true,
      },
    },
  },
  errorsOnly: false,
  silent: false,
}
export default config
