% err = errors.get(w.path, '')
% post = get('posted') or {}
% if w.kind in ('group', 'table'):
% include('field.tpl', w=w)
% elif w.kind == 'bool':
% checked = (w.path in post) if post else w.value
<input type="checkbox" name="{{w.path}}" id="f-{{w.path}}" value="1" {{'checked' if checked else ''}} title="{{_('doc.' + w.path, w.doc)}}">
% elif w.kind == 'choice':
% current = post.get(w.path, w.value) if post else w.value
<select name="{{w.path}}" id="f-{{w.path}}" title="{{_('doc.' + w.path, w.doc)}}">
% if w.optional:
<option value="">—</option>
% end
% for c in w.choices:
<option value="{{c}}" {{'selected' if c == current else ''}}>{{c}}</option>
% end
</select>
% elif w.kind == 'multi':
% chosen = post.getall(w.path) if post else w.value
<span class="multi" id="f-{{w.path}}">
% for c in w.choices:
<label class="check"><input type="checkbox" name="{{w.path}}" value="{{c}}" {{'checked' if c in chosen else ''}}> {{c}}</label>
% end
</span>
% elif w.kind == 'secret':
<input type="password" name="{{w.path}}" id="f-{{w.path}}" value="" autocomplete="new-password" title="{{_('doc.' + w.path, w.doc)}}" class="{{'invalid' if err else ''}}">
% else:
% current = post.get(w.path, w.value) if post else w.value
% kind = 'number' if w.kind in ('int', 'float') else 'text'
<input type="{{kind}}" name="{{w.path}}" id="f-{{w.path}}" value="{{current}}" title="{{_('doc.' + w.path, w.doc)}}"
 {{'step=any' if w.kind == 'float' else ''}} {{'min=' + str(w.minimum) if w.minimum is not None and kind == 'number' else ''}} {{'max=' + str(w.maximum) if w.maximum is not None and kind == 'number' else ''}}
 placeholder="{{_('config.default') if w.optional else ''}}" class="{{'invalid' if err else ''}}">
% end
% if err:
<span class="error" role="alert" data-path="{{w.path}}">{{err}}</span>
% end
