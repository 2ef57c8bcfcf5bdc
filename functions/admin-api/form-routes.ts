import type { FormStore } from '../../shared/adapters/dynamodb/form-store.ts';
import type { LineReader } from '../../shared/adapters/dynamodb/line-reader.ts';
import { NotFoundError } from '../../shared/domain/errors.ts';
import { webFormInputSchema } from '../../shared/domain/forms/web-form.ts';
import { parseJsonBody, resourceIdParameter } from '../../shared/http/api-gateway-request.ts';
import { json, noContent } from '../../shared/http/responses.ts';
import { validateWebFormInput, webFormView } from '../../shared/use-cases/manage-web-forms.ts';
import type { AccountRoutes } from '../../shared/http/account-api.ts';

/** Web opt-in forms: CRUD; every answer carries the hosted URL and the iframe embed code. */
export function formRoutes(deps: { formStore: FormStore; lineStore: LineReader; publicBaseUrl: string }): AccountRoutes {
  const view = (form: Parameters<typeof webFormView>[0]) => webFormView(form, deps.publicBaseUrl);
  const existing = async (accountId: string, formId: string) => {
    const form = await deps.formStore.getForm(accountId, formId);
    if (!form) throw new NotFoundError(`No form ${formId}`);
    return form;
  };
  return {
    'POST /v1/forms': async (event, { accountId }) => {
      const input = parseJsonBody(event, webFormInputSchema);
      await validateWebFormInput(deps, accountId, input);
      return json(201, view(await deps.formStore.createForm(accountId, input)));
    },
    'GET /v1/forms': async (_event, { accountId }) => json(200, { forms: (await deps.formStore.listForms(accountId)).map(view) }),
    'GET /v1/forms/{formId}': async (event, { accountId }) => json(200, view(await existing(accountId, resourceIdParameter(event, 'formId', 'form')))),
    'PUT /v1/forms/{formId}': async (event, { accountId }) => {
      const input = parseJsonBody(event, webFormInputSchema);
      const current = await existing(accountId, resourceIdParameter(event, 'formId', 'form'));
      await validateWebFormInput(deps, accountId, input);
      return json(200, view(await deps.formStore.replaceForm(accountId, current, input)));
    },
    'DELETE /v1/forms/{formId}': async (event, { accountId }) => {
      await deps.formStore.deleteForm(accountId, resourceIdParameter(event, 'formId', 'form'));
      return noContent();
    },
  };
}
